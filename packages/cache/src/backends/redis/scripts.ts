/** Runs a Lua script by SHA (EVALSHA), sending its source only when Redis has not cached it yet. */
import { createHash } from 'node:crypto';
import type { RedisClient } from './client.ts';

/** A Lua script that can run on any client. */
export interface LuaScript {
  run(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

/** Wraps `source` for {@link LuaScript.run}; the SHA is computed once. */
export function luaScript(source: string): LuaScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(client, keys, args) {
      try {
        return await client.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        // After a restart or SCRIPT FLUSH the cache is empty: send the source once more.
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return client.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}

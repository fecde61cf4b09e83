/**
 * The built dashboard (apps/web/dist): its files, and index.html for every other GET outside
 * /api, so client-side routes (/teams/3) survive a reload. Does nothing when no build exists;
 * `npm start` builds one first when it is missing or out of date (apps/server/start.mjs).
 */
import { existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { API_PREFIX } from '@agiletrack/domain';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { WEB_DIST_DIR } from '../../paths.ts';

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Options of {@link webRoutes}. */
export interface WebRoutesOptions {
  /** The build to serve. @default apps/web/dist */
  root?: string;
  /** Where to say that there is no build. */
  logger?: Pick<Logger, 'info'>;
}

/** See the file comment. */
export const webRoutes =
  (options: WebRoutesOptions = {}): FastifyPluginAsync =>
  async (app) => {
    const root = resolve(options.root ?? WEB_DIST_DIR);
    if (!existsSync(join(root, 'index.html'))) {
      options.logger?.info({ root }, 'no dashboard build: serving the API only (npm run build builds it)');
      return;
    }
    // The build writes a `.br` and a `.gz` beside each compressible file: sent as the client asks,
    // each with its own ETag (from its own size and time) and `Vary: Accept-Encoding`.
    await app.register(fastifyStatic, { root, serve: false, preCompressed: true });

    app.get('/*', async (request, reply) => {
      const path = request.url.split('?')[0]!;
      // Unknown API paths keep their JSON 404.
      if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) return reply.callNotFound();
      let relative: string;
      try {
        relative = decodeURIComponent(path).replace(/^\/+/, '');
      } catch {
        return reply.callNotFound();
      }
      const file = resolve(root, relative);
      if (relative !== '' && file.startsWith(root + sep) && isFile(file)) {
        // Vite puts a content hash in every asset name: the file under a name never changes.
        return relative.startsWith('assets/')
          ? reply.sendFile(relative, { maxAge: '365d', immutable: true })
          : reply.sendFile(relative);
      }
      // A missing file is a 404, not the app: a broken asset link must fail visibly.
      if (extname(relative) !== '') return reply.callNotFound();
      // Security headers (CSP, nosniff, framing) come from the app's onSend hook.
      return reply.header('Cache-Control', 'no-cache').sendFile('index.html', { cacheControl: false });
    });
  };

/**
 * The server's secret key: encrypts integration credentials at rest and sensitive cache entries
 * in shared tiers. From `SECRET_KEY` (plus `SECRET_KEY_PREVIOUS` for rotation); in embedded mode
 * without one, a key is generated once into `DATA_DIR/secret.key` (mode 0600) so restarts can
 * still decrypt what they stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Encryptor } from '@agiletrack/cache';
import { aesGcmEncryptor, type EncryptionKey } from '@agiletrack/cache/codec/encryption';
import type { Config } from '../config.ts';

/** The key id is derived from the key, so rotation needs no separate id setting. */
const keyId = (key: string) => createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 12);

/** Resolves the keys (newest first) from config or the data directory. */
export function loadSecretKeys(config: Config): EncryptionKey[] {
  let current = config.SECRET_KEY;
  if (!current) {
    if (config.DATABASE_URL) {
      throw new Error(
        'SECRET_KEY is required with DATABASE_URL (several processes must share one key): openssl rand -base64 32',
      );
    }
    const file = join(config.DATA_DIR, 'secret.key');
    if (existsSync(file)) current = readFileSync(file, 'utf8').trim();
    else {
      mkdirSync(config.DATA_DIR, { recursive: true });
      current = randomBytes(32).toString('base64');
      writeFileSync(file, `${current}\n`, { mode: 0o600 });
    }
  }
  const previous = (config.SECRET_KEY_PREVIOUS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  return [current, ...previous].map((key) => ({ id: keyId(key), key }));
}

/** Seals and opens integration credentials (JSON) with the cache's AES-256-GCM encryptor. */
export class CredentialVault {
  readonly encryptor: Encryptor;

  constructor(keys: readonly EncryptionKey[]) {
    this.encryptor = aesGcmEncryptor({ keys });
  }

  /** Encrypts credentials for the integration row; the integration id is bound as AAD. */
  seal(credentials: Record<string, string>, aad = 'integration-credentials'): string {
    const sealed = this.encryptor.encrypt(Buffer.from(JSON.stringify(credentials), 'utf8'), aad);
    return [sealed.keyId, sealed.iv, sealed.tag, sealed.data]
      .map((part) => (typeof part === 'string' ? part : Buffer.from(part).toString('base64')))
      .join('.');
  }

  /** Decrypts what `seal` produced. Throws if the key is gone or the data was tampered with. */
  open(stored: string, aad = 'integration-credentials'): Record<string, string> {
    const [keyIdPart, iv, tag, data] = stored.split('.');
    if (!keyIdPart || !iv || !tag || !data) throw new Error('malformed credentials');
    const plain = this.encryptor.decrypt(
      {
        keyId: keyIdPart,
        iv: Buffer.from(iv, 'base64'),
        tag: Buffer.from(tag, 'base64'),
        data: Buffer.from(data, 'base64'),
      },
      aad,
    );
    return JSON.parse(Buffer.from(plain).toString('utf8')) as Record<string, string>;
  }
}

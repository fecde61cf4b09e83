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

/**
 * The settings the keys come from (a subset of the server's config, named here so security does
 * not depend on the config module, which depends on security for the outbound allow list).
 */
export interface SecretKeySettings {
  readonly SECRET_KEY?: string | undefined;
  readonly SECRET_KEY_PREVIOUS?: string | undefined;
  readonly DATABASE_URL?: string | undefined;
  readonly DATA_DIR: string;
}

/** The key id is derived from the key, so rotation needs no separate id setting. */
const keyId = (key: string) => createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 12);

/** Resolves the keys (newest first) from config or the data directory. */
export function loadSecretKeys(config: SecretKeySettings): EncryptionKey[] {
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

/**
 * What sealed credentials are bound to: the integration and the origin (`scheme://host:port`)
 * they are sent to. Both go into the AES-GCM associated data, so credentials sealed for one
 * origin cannot be opened for another: a stored config and sealed credentials that do not belong
 * together fail to decrypt instead of sending a token to the wrong host.
 */
export interface CredentialBinding {
  integrationId: number;
  origin: string;
}

/** Thrown when sealed credentials cannot be opened for a binding (wrong origin, key gone, tampered). */
export class CredentialsUnreadableError extends Error {
  override readonly name = 'CredentialsUnreadableError';
}

// Sealed values start with this marker; the older form (four parts, the integration id alone as
// associated data) is re-sealed at start by `openLegacy` + `seal` and never opened for use.
const FORMAT = 'c2';
const aadOf = (binding: CredentialBinding) => `integration:${binding.integrationId}@${binding.origin}`;

/** Seals and opens integration credentials (JSON) with the cache's AES-256-GCM encryptor. */
export class CredentialVault {
  readonly encryptor: Encryptor;

  constructor(keys: readonly EncryptionKey[]) {
    this.encryptor = aesGcmEncryptor({ keys });
  }

  /** Encrypts credentials for the integration row, bound to its id and origin. */
  seal(credentials: Record<string, string>, binding: CredentialBinding): string {
    return `${FORMAT}.${this.#seal(credentials, aadOf(binding))}`;
  }

  /** Decrypts what `seal` produced for the same binding; throws `CredentialsUnreadableError` otherwise. */
  open(stored: string, binding: CredentialBinding): Record<string, string> {
    const [format, ...parts] = stored.split('.');
    if (format !== FORMAT) throw new CredentialsUnreadableError('credentials sealed in an older format');
    return this.#open(parts, aadOf(binding));
  }

  /** True for values sealed before credentials were bound to their origin. */
  isLegacy(stored: string): boolean {
    return stored.split('.').length === 4;
  }

  /** Opens a value of the older form (bound to the integration id only), to re-seal it. */
  openLegacy(stored: string, integrationId: number): Record<string, string> {
    return this.#open(stored.split('.'), `integration:${integrationId}`);
  }

  #seal(credentials: Record<string, string>, aad: string): string {
    const sealed = this.encryptor.encrypt(Buffer.from(JSON.stringify(credentials), 'utf8'), aad);
    return [sealed.keyId, sealed.iv, sealed.tag, sealed.data]
      .map((part) => (typeof part === 'string' ? part : Buffer.from(part).toString('base64')))
      .join('.');
  }

  #open(parts: string[], aad: string): Record<string, string> {
    const [keyIdPart, iv, tag, data] = parts;
    if (parts.length !== 4 || !keyIdPart || !iv || !tag || !data)
      throw new CredentialsUnreadableError('malformed credentials');
    try {
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
    } catch (error) {
      throw new CredentialsUnreadableError('credentials cannot be opened for this integration and origin', {
        cause: error,
      });
    }
  }
}

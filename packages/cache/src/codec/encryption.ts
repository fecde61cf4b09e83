/**
 * AES-256-GCM for sensitive entries in shared tiers (Node only: `node:crypto`).
 *
 * Keys carry an id that is stored with every ciphertext, so keys can rotate: the first key of
 * the list encrypts, every key in the list decrypts. The cache key is bound as additional
 * authenticated data, so a ciphertext copied under another key fails to decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CacheDecryptError, CacheOptionsError } from '../errors.ts';
import type { Encrypted, Encryptor } from './entry-codec.ts';

/** One key: an id (stored with ciphertexts) and 32 bytes, raw or base64. */
export interface EncryptionKey {
  readonly id: string;
  readonly key: Uint8Array | string;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;

function keyBytes(key: EncryptionKey): Buffer {
  const bytes = typeof key.key === 'string' ? Buffer.from(key.key, 'base64') : Buffer.from(key.key);
  if (bytes.length !== 32) {
    throw new CacheOptionsError(
      `encryption key "${key.id}" must be 32 bytes (base64 of 32 bytes), got ${bytes.length}`,
    );
  }
  return bytes;
}

/** Creates the AES-256-GCM encryptor. The first key is current; list older keys after it. */
export function aesGcmEncryptor(options: { keys: readonly EncryptionKey[] }): Encryptor {
  if (!Array.isArray(options?.keys) || options.keys.length === 0) {
    throw new CacheOptionsError('encryption needs at least one key');
  }
  const keys = new Map<string, Buffer>();
  for (const key of options.keys) {
    if (typeof key?.id !== 'string' || !KEY_ID.test(key.id)) {
      throw new CacheOptionsError(`encryption key id must match ${KEY_ID}, got ${JSON.stringify(key?.id)}`);
    }
    if (keys.has(key.id)) throw new CacheOptionsError(`encryption key id "${key.id}" is listed twice`);
    keys.set(key.id, keyBytes(key));
  }
  const currentId = options.keys[0]!.id;
  const current = keys.get(currentId)!;

  return {
    currentKeyId: currentId,
    encrypt(plain, aad): Encrypted {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const data = Buffer.concat([cipher.update(plain), cipher.final()]);
      return { keyId: currentId, iv, tag: cipher.getAuthTag(), data };
    },
    decrypt(sealed, aad) {
      const key = keys.get(sealed.keyId);
      if (!key) throw new CacheDecryptError(`no encryption key with id "${sealed.keyId}"`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
        decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(sealed.tag);
        return new Uint8Array(Buffer.concat([decipher.update(sealed.data), decipher.final()]));
      } catch (error) {
        throw new CacheDecryptError(`entry cannot be decrypted with key "${sealed.keyId}"`, { cause: error });
      }
    },
  };
}

/** A fresh random 32-byte key, base64-encoded (for configuration files and tests). */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from './logger.js';
import type { EncryptedSecret } from './domain/index.js';

export const MASTER_KEY_VARIABLE = 'TKEOPS_MASTER_KEY';
const KEY_BYTES = 32;
const IV_BYTES = 12;

/** Encrypts secrets at rest with AES-256-GCM; the key never leaves this object. */
export interface SecretBox {
  encrypt(plain: string): EncryptedSecret;
  /** Throws when the ciphertext was not made with this key or was altered. */
  decrypt(secret: EncryptedSecret): string;
}

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new SecretKeyError(`the master key must be ${KEY_BYTES} bytes`);
  const secretKey = Buffer.from(key);
  return {
    encrypt(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', secretKey, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    },
    decrypt(secret) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', secretKey, Buffer.from(secret.iv, 'base64'));
        decipher.setAuthTag(Buffer.from(secret.tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(secret.data, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretKeyError('cannot decrypt: the secret was encrypted with another master key or was altered');
      }
    },
  };
}

/** 32 bytes written as 64 hex characters or as base64; anything else is refused. */
export function parseMasterKey(text: string, source = MASTER_KEY_VARIABLE): Buffer {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.length % 4 === 0) {
    const key = Buffer.from(value, 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new SecretKeyError(
    `${source} must be a 32-byte key written as 64 hex characters or as base64 (44 characters); ` +
      'create one with: openssl rand -base64 32',
  );
}

export function keyFileFor(storeFile: string): string {
  return path.join(path.dirname(path.resolve(storeFile)), 'master.key');
}

/**
 * The master key: from TKEOPS_MASTER_KEY, or else from `master.key` next to the store, created
 * (mode 0600) on first start and reused afterwards — with a warning, since whoever can read the
 * store directory can then read the Secret Keys.
 */
export async function loadMasterKey(options: { masterKey?: string | undefined; storeFile: string; logger: Logger }): Promise<Buffer> {
  if (options.masterKey !== undefined) return parseMasterKey(options.masterKey);
  const file = keyFileFor(options.storeFile);
  let created = false;
  let key: Buffer;
  try {
    key = parseMasterKey(await readFile(file, 'utf8'), `The key file ${file}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    key = randomBytes(KEY_BYTES);
    await mkdir(path.dirname(file), { recursive: true });
    try {
      // 'wx': never overwrite a key file another process created meanwhile; use that one instead.
      await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      created = true;
    } catch (writeError) {
      if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError;
      key = parseMasterKey(await readFile(file, 'utf8'), `The key file ${file}`);
    }
  }
  options.logger.warn(
    { keyFile: file },
    `${MASTER_KEY_VARIABLE} is not set: cloud account Secret Keys are encrypted with the key in ${file}` +
      `${created ? ' (created now)' : ''}. Keep that file private and with the store, or set ${MASTER_KEY_VARIABLE}.`,
  );
  return key;
}

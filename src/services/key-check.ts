/**
 * The store's key check: a known text encrypted with the master key (`keyCheck` in the store).
 * At start, a key that cannot decrypt it is refused — before the watcher tries, and fails, to
 * decrypt every Secret Key on every tick as if Tencent were down. A store without one (new, or
 * written before version 3) gets it from the key in use, once that key has decrypted a stored
 * Secret Key when there is one.
 */
import type { EncryptedSecret } from './domain/index.js';
import type { SecretBox } from './secrets.js';
import { MASTER_KEY_VARIABLE } from './secrets.js';
import type { Store } from './store.js';

export const KEY_CHECK_TEXT = 'tkeops master key check';

/** The master key is not the one the store was written with. */
export class MasterKeyMismatchError extends Error {
  constructor(where: string, keySource: string) {
    super(
      `The master key (${keySource}) differs from the one the store ${where} was written with: it cannot decrypt the store's key check, ` +
        `so the cloud accounts' Secret Keys cannot be read either. Set ${MASTER_KEY_VARIABLE} to the key the store was written with, ` +
        `or restore its master.key file next to the store; then start again. (npm run rotate-key changes the key of a store whose key you have.)`,
    );
    this.name = 'MasterKeyMismatchError';
  }
}

const decrypts = (secrets: SecretBox, secret: Parameters<SecretBox['decrypt']>[0], expected?: string) => {
  try {
    const plain = secrets.decrypt(secret);
    return expected === undefined || plain === expected;
  } catch {
    return false;
  }
};

/** Where a store keeps its key check: the lowdb file (lowdbKeyCheck) or a database table (PostgreSQL). */
export interface KeyCheckStore {
  /** How messages name the store: its file, or the database. */
  readonly where: string;
  /** The key check, and a stored Secret Key (to check a store that has no key check yet). */
  read(): Promise<{ keyCheck?: EncryptedSecret | undefined; sample?: EncryptedSecret | undefined }>;
  /** Stores the key check unless the store has one. */
  writeIfAbsent(keyCheck: EncryptedSecret): Promise<void>;
}

export function lowdbKeyCheck(store: Store): KeyCheckStore {
  return {
    where: store.file,
    read: async () => store.read((data) => ({ keyCheck: data.keyCheck, sample: data.accounts[0]?.secretKey })),
    writeIfAbsent: (keyCheck) =>
      store.update((data) => {
        data.keyCheck ??= keyCheck;
      }),
  };
}

/** Throws MasterKeyMismatchError when `secrets` is not the store's key; writes the key check when the store has none. */
export async function checkMasterKey(store: Store | KeyCheckStore, secrets: SecretBox, keySource: string): Promise<void> {
  const source = 'writeIfAbsent' in store ? store : lowdbKeyCheck(store);
  const { keyCheck, sample } = await source.read();
  if (keyCheck) {
    if (!decrypts(secrets, keyCheck, KEY_CHECK_TEXT)) throw new MasterKeyMismatchError(source.where, keySource);
    return;
  }
  if (sample && !decrypts(secrets, sample)) throw new MasterKeyMismatchError(source.where, keySource);
  await source.writeIfAbsent(secrets.encrypt(KEY_CHECK_TEXT));
  // Another replica starting at the same time may have written its own first: it must be this key too.
  const written = (await source.read()).keyCheck;
  if (written && !decrypts(secrets, written, KEY_CHECK_TEXT)) throw new MasterKeyMismatchError(source.where, keySource);
}

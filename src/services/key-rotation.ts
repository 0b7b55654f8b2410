/**
 * Changing the master key (npm run rotate-key): every cloud account's Secret Key and the store's
 * key check are re-encrypted under a new key in one store write, so the store is entirely under
 * the old key or entirely under the new one. The bot must be stopped (the store's lock says so).
 *
 * Where the new key goes:
 * - key file (TKEOPS_MASTER_KEY not set): written first as `master.key.new`; after the store
 *   write, `master.key` becomes `master.key.old` (it still reads the backups made before, e.g.
 *   db.json.v2.bak) and `master.key.new` becomes `master.key`. Interrupted between the store write
 *   and the renames, the start says the key differs, and `master.key.new` is the key.
 * - TKEOPS_MASTER_KEY: the new key is TKEOPS_NEW_MASTER_KEY when given, else a new one written to
 *   `master.key.new` (0600) for the operator to put into TKEOPS_MASTER_KEY wherever tkeops runs.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import { nodeDurableFiles, type DurableFiles } from './durable-file.js';
import { checkMasterKey, KEY_CHECK_TEXT, lowdbKeyCheck } from './key-check.js';
import { createSecretBox, keyFileFor, MASTER_KEY_VARIABLE, masterKeySource, parseMasterKey, SecretKeyError } from './secrets.js';
import { openStore } from './store.js';
import { openPostgresStore } from './repositories/postgres/database.js';
import type { EncryptedSecret } from './domain/index.js';
import type { KeyCheckStore } from './key-check.js';

export const NEW_MASTER_KEY_VARIABLE = 'TKEOPS_NEW_MASTER_KEY';

export interface KeyRotation {
  /** Cloud accounts whose Secret Key was re-encrypted. */
  accounts: number;
  /** What the operator has to do now, for the terminal. */
  message: string;
}

export interface KeyRotationOptions {
  dataFile: string;
  /** DATABASE_URL: the Secret Keys are in PostgreSQL, re-encrypted in one transaction. */
  databaseUrl?: string | undefined;
  /** TKEOPS_MASTER_KEY, when the key is not in the key file. */
  masterKey?: string | undefined;
  /** TKEOPS_NEW_MASTER_KEY: the new key, when the operator chose it. */
  newMasterKey?: string | undefined;
  historyDays?: number;
  files?: DurableFiles;
}

export async function rotateMasterKey(options: KeyRotationOptions): Promise<KeyRotation> {
  const files = options.files ?? nodeDurableFiles();
  const keyFile = keyFileFor(options.dataFile);
  const newKeyFile = `${keyFile}.new`;
  const oldKeyFile = `${keyFile}.old`;
  const store = await openKeyedStore(options, files);
  try {
    const oldKey =
      options.masterKey !== undefined
        ? parseMasterKey(options.masterKey)
        : parseMasterKey(
            await readFile(keyFile, 'utf8').catch(() => {
              throw new SecretKeyError(`${MASTER_KEY_VARIABLE} is not set and there is no key file ${keyFile}: there is no key to rotate.`);
            }),
            `The key file ${keyFile}`,
          );
    const oldBox = createSecretBox(oldKey);
    await checkMasterKey(store.keyCheck, oldBox, masterKeySource({ masterKey: options.masterKey, storeFile: options.dataFile }));
    const newKey = options.newMasterKey !== undefined ? parseMasterKey(options.newMasterKey, NEW_MASTER_KEY_VARIABLE) : randomBytes(32);
    const newBox = createSecretBox(newKey);
    // The new key is on disk before any Secret Key is encrypted with it.
    const written = options.newMasterKey === undefined || options.masterKey === undefined;
    if (written) await files.replace(newKeyFile, `${newKey.toString('base64')}\n`);

    const accounts = await store.reencrypt((secret) => newBox.encrypt(oldBox.decrypt(secret)), newBox.encrypt(KEY_CHECK_TEXT));
    const done = `Re-encrypted ${accounts} cloud account Secret Key${accounts === 1 ? '' : 's'} and the key check of ${store.keyCheck.where} under a new master key (${store.oneWrite}).`;
    if (options.masterKey === undefined) {
      await rename(keyFile, oldKeyFile);
      await rename(newKeyFile, keyFile);
      return {
        accounts,
        message: `${done}\nThe new key is in ${keyFile}; the old one is kept as ${oldKeyFile} (backups of the store made before, db.json.v*.bak, are under it). Start tkeops as before.`,
      };
    }
    const where = written
      ? `The new key is in ${newKeyFile}: set ${MASTER_KEY_VARIABLE} to its content wherever tkeops runs (.env, the Kubernetes Secret), start tkeops, then delete that file.`
      : `Set ${MASTER_KEY_VARIABLE} to the value of ${NEW_MASTER_KEY_VARIABLE} wherever tkeops runs (.env, the Kubernetes Secret), then start tkeops.`;
    return { accounts, message: `${done}\n${where} Until then tkeops refuses to start: the old key no longer reads the store.` };
  } finally {
    await store.close();
  }
}

/** A store whose Secret Keys can be re-encrypted at once: the lowdb file (one write) or PostgreSQL (one transaction). */
interface KeyedStore {
  keyCheck: KeyCheckStore;
  reencrypt(reencrypt: (secret: EncryptedSecret) => EncryptedSecret, keyCheck: EncryptedSecret): Promise<number>;
  oneWrite: string;
  close(): Promise<void>;
}

async function openKeyedStore(options: KeyRotationOptions, files: DurableFiles): Promise<KeyedStore> {
  if (options.databaseUrl !== undefined) {
    const database = await openPostgresStore(options.databaseUrl);
    return { keyCheck: database.keyCheck, reencrypt: (r, k) => database.reencrypt(r, k), oneWrite: 'one transaction', close: () => database.close() };
  }
  const store = await openStore(options.dataFile, { files, ...(options.historyDays ? { historyDays: options.historyDays } : {}) });
  return {
    keyCheck: lowdbKeyCheck(store),
    reencrypt: (reencrypt, keyCheck) =>
      store.update((data) => {
        for (const account of data.accounts) account.secretKey = reencrypt(account.secretKey);
        data.keyCheck = keyCheck;
        return data.accounts.length;
      }),
    oneWrite: 'one write',
    close: () => store.close(),
  };
}

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
import { checkMasterKey, KEY_CHECK_TEXT } from './key-check.js';
import { createSecretBox, keyFileFor, MASTER_KEY_VARIABLE, masterKeySource, parseMasterKey, SecretKeyError } from './secrets.js';
import { openStore } from './store.js';

export const NEW_MASTER_KEY_VARIABLE = 'TKEOPS_NEW_MASTER_KEY';

export interface KeyRotation {
  /** Cloud accounts whose Secret Key was re-encrypted. */
  accounts: number;
  /** What the operator has to do now, for the terminal. */
  message: string;
}

export interface KeyRotationOptions {
  dataFile: string;
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
  const store = await openStore(options.dataFile, { files, ...(options.historyDays ? { historyDays: options.historyDays } : {}) });
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
    await checkMasterKey(store, oldBox, masterKeySource({ masterKey: options.masterKey, storeFile: options.dataFile }));
    const newKey = options.newMasterKey !== undefined ? parseMasterKey(options.newMasterKey, NEW_MASTER_KEY_VARIABLE) : randomBytes(32);
    const newBox = createSecretBox(newKey);
    // The new key is on disk before any Secret Key is encrypted with it.
    const written = options.newMasterKey === undefined || options.masterKey === undefined;
    if (written) await files.replace(newKeyFile, `${newKey.toString('base64')}\n`);

    const accounts = await store.update((data) => {
      for (const account of data.accounts) account.secretKey = newBox.encrypt(oldBox.decrypt(account.secretKey));
      data.keyCheck = newBox.encrypt(KEY_CHECK_TEXT);
      return data.accounts.length;
    });
    const done = `Re-encrypted ${accounts} cloud account Secret Key${accounts === 1 ? '' : 's'} and the key check of ${options.dataFile} under a new master key (one write).`;
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

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { emptyStore, STORE_VERSION, storeDataSchema, type StoreData } from './store-schema.js';
import { migrate, MigrationRefused, type Json } from './store-migrations.js';

/** The existing store file could not be used; the file is left as it was. */
export class StoreLoadError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`Cannot use the store file ${file}: ${reason}. The file was left unchanged; fix or move it and start again.`);
    this.name = 'StoreLoadError';
  }
}

/** What open did to an older file: the versions, where the original is kept, and what changed. */
export interface StoreMigrationReport {
  from: number;
  to: number;
  backup: string;
  notes: string[];
}

/**
 * The lowdb document under the repositories (src/services/repositories/): only they, the store's
 * tests and seeding helpers know its shape.
 */
export interface Store {
  readonly file: string;
  /** Set when the file was of an older schema version and was migrated at open. */
  readonly migrated?: StoreMigrationReport;
  /** Reads through a selector; the result is a copy, so callers cannot change the store by accident. */
  read<T>(select: (data: Readonly<StoreData>) => T): T;
  /** Changes the data and writes the file atomically (temp file + rename). */
  update<T>(change: (data: StoreData) => T): Promise<T>;
}

function parseJson(file: string, text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new StoreLoadError(file, `not valid JSON (${(error as Error).message})`);
  }
}

function validate(file: string, json: unknown): StoreData {
  const parsed = storeDataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new StoreLoadError(file, `does not match the store schema at ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Where the original of a file of version `from` is kept once it is migrated. */
export const backupFileOf = (file: string, from: number) => `${file}.v${from}.bak`;

/**
 * Keeps the original bytes beside the store (mode 0600: it holds encrypted Secret Keys like the
 * store). A backup already there from an earlier start is kept when it is the same file; a
 * different one is never overwritten.
 */
async function keepBackup(file: string, backup: string, original: Buffer): Promise<void> {
  try {
    await writeFile(backup, original, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const existing = await readFile(backup);
    if (!existing.equals(original)) {
      throw new StoreLoadError(file, `it needs migrating, but ${backup} already exists and holds another file; move it away`);
    }
  }
}

async function readOriginal(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Opens the store file (an absent file is an empty store, created on the first write). A file of an
 * older schema version is migrated (store-migrations.ts): the original is kept byte for byte as
 * `<file>.v<version>.bak`, then the migrated data is written atomically. A file that is not JSON,
 * does not match the schema, or was written by a newer tkeops is refused (StoreLoadError) and left
 * as it was.
 */
export async function openStore(file: string): Promise<Store> {
  const adapter = new DataFile<StoreData>(file, {
    parse: (text) => validate(file, parseJson(file, text)),
    // Compact: the whole file is rewritten on every change, and it is read by tkeops, not people.
    stringify: (data) => JSON.stringify(data),
  });
  const db = new Low<StoreData>(adapter, emptyStore());
  const original = await readOriginal(file);
  let migrated: StoreMigrationReport | undefined;
  if (original !== undefined) {
    let result;
    try {
      result = migrate(parseJson(file, original.toString('utf8')), STORE_VERSION);
    } catch (error) {
      if (error instanceof MigrationRefused) throw new StoreLoadError(file, error.message);
      throw error;
    }
    db.data = validate(file, result.data);
    if (result.from !== result.to) {
      const backup = backupFileOf(file, result.from);
      await keepBackup(file, backup, original);
      await db.write();
      migrated = { from: result.from, to: result.to, backup, notes: result.notes };
    }
  }
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });

  // Writes are coalesced: while one is on its way to disk, every change made meanwhile waits for one
  // more write, which starts when that one ends and carries them all (the file is written whole, so
  // a burst of updates, like the watcher's per-call records, costs a few writes instead of one each).
  let inFlight: Promise<void> = Promise.resolve();
  let next: Promise<void> | undefined;
  const persist = (): Promise<void> =>
    (next ??= inFlight
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        inFlight = db.write();
        return inFlight;
      }));

  return {
    file,
    ...(migrated ? { migrated } : {}),
    read: (select) => structuredClone(select(db.data)),
    async update(change) {
      const result = change(db.data);
      await persist();
      return structuredClone(result);
    },
  };
}

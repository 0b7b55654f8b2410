import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { emptyStore, storeDataSchema, type StoreData } from './store-schema.js';

/** The existing store file could not be used; the file is left as it was. */
export class StoreLoadError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`Cannot use the store file ${file}: ${reason}. The file was left unchanged; fix or move it and start again.`);
    this.name = 'StoreLoadError';
  }
}

export interface Store {
  readonly file: string;
  /** Reads through a selector; the result is a copy, so callers cannot change the store by accident. */
  read<T>(select: (data: Readonly<StoreData>) => T): T;
  /** Changes the data and writes the file atomically (temp file + rename). */
  update<T>(change: (data: StoreData) => T): Promise<T>;
}

function parseStoreText(file: string, text: string): StoreData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StoreLoadError(file, `not valid JSON (${(error as Error).message})`);
  }
  const parsed = storeDataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new StoreLoadError(file, `does not match the store schema at ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export async function openStore(file: string): Promise<Store> {
  const adapter = new DataFile<StoreData>(file, {
    parse: (text) => parseStoreText(file, text),
    // Compact: the whole file is rewritten on every change, and it is read by tkeops, not people.
    stringify: (data) => JSON.stringify(data),
  });
  const db = new Low<StoreData>(adapter, emptyStore());
  await db.read();
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
    read: (select) => structuredClone(select(db.data)),
    async update(change) {
      const result = change(db.data);
      await persist();
      return structuredClone(result);
    },
  };
}

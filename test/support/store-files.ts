import { readFile } from 'node:fs/promises';
import { journalFileOf, readJournal, snapshotId } from '../../src/services/store-journal.js';
import type { StoreData } from '../../src/services/store-schema.js';

const textOf = (file: string) =>
  readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });

/** The store as its files on disk hold it, as the next start would read it: the store file with its journal replayed. */
export async function storeOnDisk(file: string): Promise<StoreData> {
  const text = await readFile(file, 'utf8');
  const replayed = await readJournal(file, JSON.parse(text) as StoreData, snapshotId(text), (reason) => new Error(reason));
  return replayed.data;
}

/** Everything the store's files hold, as text (the store file, then its journal): what anyone reading the disk finds. */
export async function storeFilesText(file: string): Promise<string> {
  return `${await textOf(file)}\n${await textOf(journalFileOf(file))}`;
}

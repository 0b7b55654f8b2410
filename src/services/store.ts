import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { systemClock, type Clock } from './clock.js';
import { DurableJsonFile, nodeDurableFiles, type DurableFiles } from './durable-file.js';
import type { Logger } from './logger.js';
import { auditKey, DAY_MS, dueForArchive, openArchive, type StoreArchive } from './store-archive.js';
import { journalFileOf, journalHeader, deltaOf, journalLine, readJournal, snapshotId, type Delta } from './store-journal.js';
import { lockStore, type StoreLock } from './store-lock.js';
import { emptyStore, STORE_VERSION, storeDataSchema, type StoreData } from './store-schema.js';
import { migrate, MigrationRefused, type Json } from './store-migrations.js';

/** The existing store file could not be used; the file is left as it was. */
export class StoreLoadError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`Cannot use the store file ${file}: ${reason}. The file was left unchanged; fix or move it and start again.`);
    this.name = 'StoreLoadError';
  }
}

/** A change could not be written to the store file (a full disk, a read-only volume): it was not made. */
export class StoreWriteError extends Error {
  constructor(readonly file: string, override readonly cause: unknown) {
    super(`Could not write the store file ${file} (${cause instanceof Error ? cause.message : String(cause)}); the change was not made`);
    this.name = 'StoreWriteError';
  }
}

/** What open did to an older file: the versions, where the original is kept, and what changed. */
export interface StoreMigrationReport {
  from: number;
  to: number;
  backup: string;
  notes: string[];
}

/** How many records one archiving moved out of the store file. */
export interface ArchiveReport {
  clusters: number;
  audit: number;
}

/** Deleted clusters and audit entries older than this many days go to the archive. */
export const DEFAULT_HISTORY_DAYS = 30;
/** Archiving runs at open, then at most this often, after an update. */
export const ARCHIVE_EVERY_MS = 60 * 60_000;
/** The journal is folded into the store file once its lines outgrow the file, or this, whichever is more. */
export const JOURNAL_MIN_COMPACT_BYTES = 1024 * 1024;

/**
 * The lowdb document under the repositories (src/services/repositories/): only they, the store's
 * tests and seeding helpers know its shape.
 */
export interface Store {
  readonly file: string;
  /** Set when the file was of an older schema version and was migrated at open. */
  readonly migrated?: StoreMigrationReport;
  /** Deleted clusters and audit entries older than the history kept in the file. */
  readonly archive: StoreArchive;
  /**
   * Reads the data as last written to disk, through a selector; the result is a copy (of what the
   * selector returns only), so callers cannot change the store by accident.
   */
  read<T>(select: (data: Readonly<StoreData>) => T): T;
  /**
   * Like read, without the copy: for the repositories, which hand out records as frozen copies
   * (see frozenCopy). A record in the data is never changed in place (updates work on copies that
   * become the next version), so what the selector picks stays true; it must not be changed.
   */
  peek<T>(select: (data: Readonly<StoreData>) => T): T;
  /**
   * Changes a copy of the data, writes it durably, and only then makes it what `read` sees;
   * resolves with (a copy of) what `change` returned. When the file cannot be written, rejects
   * with StoreWriteError and nothing changed. A change that throws changes nothing either.
   */
  update<T>(change: (data: StoreData) => T): Promise<T>;
  /**
   * Like update, cheaper, for a change that keeps to one rule: it never changes a record (a
   * cluster, draft, account, audit entry) it was handed, but puts a changed copy in its place
   * (`data.clusters[i] = { ...copy }`); it may add to, remove from and reorder the arrays. The
   * repositories write this way: the data is copied shallowly, and only the records the change put
   * in place (or removed) are written, as one journal line (see store-journal.ts).
   */
  edit<T>(change: (data: StoreData) => T): Promise<T>;
  /** Moves what is due to the archive now (it also runs at open and, at most hourly, after updates). */
  archiveDue(): Promise<ArchiveReport>;
  /** Waits for the writes under way, then releases the file's lock. */
  close(): Promise<void>;
}

export interface StoreOptions {
  /** How files are written; a test injects failures (a full disk) here. */
  files?: DurableFiles;
  /** When archiving is due; the system clock by default. */
  clock?: Clock;
  /** Deleted clusters and audit entries older than this go to the archive (HISTORY_DAYS). */
  historyDays?: number;
  /** The journal is folded into the store file once its lines pass the file's size or this (JOURNAL_MIN_COMPACT_BYTES). */
  journalCompactBytes?: number;
  /** Told when archiving fails (it is tried again an hour later). */
  logger?: Pick<Logger, 'warn' | 'info'>;
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

/** One update waiting for its batch. */
interface Pending {
  change: (data: StoreData) => unknown;
  /** The change replaces the records it changes instead of changing them (edit). */
  replaces: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** New arrays holding the same records (every array of the data: a change pushing to one must not reach the data as written). */
const shallowCopy = (data: StoreData): StoreData =>
  Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Array.isArray(value) ? [...(value as unknown[])] : value])) as StoreData;

/**
 * The data in the file's bytes; an older version is migrated, its original kept (the caller then
 * writes the migrated data).
 */
async function load(file: string, original: Buffer): Promise<{ data: StoreData; migrated?: StoreMigrationReport }> {
  let result;
  try {
    result = migrate(parseJson(file, original.toString('utf8')), STORE_VERSION);
  } catch (error) {
    if (error instanceof MigrationRefused) throw new StoreLoadError(file, error.message);
    throw error;
  }
  const data = validate(file, result.data);
  if (result.from === result.to) return { data };
  const backup = backupFileOf(file, result.from);
  await keepBackup(file, backup, original);
  return { data, migrated: { from: result.from, to: result.to, backup, notes: result.notes } };
}

/**
 * Opens the store file, locked for this process (a second process is refused, naming this one: see
 * store-lock.ts). An absent file is an empty store, created on the first write. A file of an older
 * schema version is migrated (store-migrations.ts): the original is kept byte for byte as
 * `<file>.v<version>.bak`, then the migrated data is written. A file that is not JSON, does not
 * match the schema, or was written by a newer tkeops is refused (StoreLoadError) and left as it
 * was. What is due for the archive is moved there.
 */
export async function openStore(file: string, options: StoreOptions = {}): Promise<Store> {
  const files = options.files ?? nodeDurableFiles();
  const clock = options.clock ?? systemClock;
  const historyMs = (options.historyDays ?? DEFAULT_HISTORY_DAYS) * DAY_MS;
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const lock: StoreLock = await lockStore(file, () => clock.now());
  let migrated: StoreMigrationReport | undefined;
  /** The id of the store file's text as last read or written (the journal names it); undefined while there is no file. */
  let snapshot: string | undefined;
  let snapshotBytes = 0;
  // lowdb's Low holds the data as last written (what `read` sees); its adapter reads the store file.
  const db = new Low<StoreData>(
    new DurableJsonFile<StoreData>(file, files, {
      async parse(original) {
        snapshot = snapshotId(original);
        snapshotBytes = original.length;
        const loaded = await load(file, original);
        migrated = loaded.migrated;
        return loaded.data;
      },
      stringify: (data) => JSON.stringify(data),
    }),
    emptyStore(),
  );

  const journalFile = journalFileOf(file);
  /** Bytes of the journal file, and of its lines after the header; changes are appended while it follows the store file (ready). */
  let journal = { ready: false, size: 0, lineBytes: 0 };

  /** Rewrites the store file whole from `data`, then starts an empty journal after it. */
  async function writeSnapshot(data: StoreData): Promise<void> {
    const text = JSON.stringify(data);
    journal.ready = false;
    await files.replace(file, text);
    snapshot = snapshotId(text);
    snapshotBytes = Buffer.byteLength(text);
    await startJournal();
  }

  /** An empty journal following the store file as it is; until it is written, changes rewrite the store file. */
  async function startJournal(): Promise<void> {
    if (snapshot === undefined) return;
    const header = `${journalHeader(snapshot)}\n`;
    try {
      await files.replace(journalFile, header);
      journal = { ready: true, size: Buffer.byteLength(header), lineBytes: 0 };
    } catch (error) {
      // The old journal names an older store file, so it will not be replayed; the next change rewrites the file.
      options.logger?.warn({ err: error, file: journalFile }, 'store: could not start a new journal; the next change rewrites the store file');
    }
  }

  /** Appends the change as one line; a failed append is cut off again, so it can never be replayed. */
  async function appendToJournal(delta: Delta): Promise<void> {
    const line = `${journalLine(delta)}\n`;
    try {
      await files.append(journalFile, line);
    } catch (error) {
      await files.truncate(journalFile, journal.size).catch(() => (journal.ready = false));
      throw error;
    }
    const bytes = Buffer.byteLength(line);
    journal.size += bytes;
    journal.lineBytes += bytes;
  }

  /** The change from the data as written to `data`, written the cheapest durable way. */
  async function persist(data: StoreData, deep: boolean): Promise<void> {
    const delta = deep ? undefined : deltaOf(db.data, data);
    if (delta === null) return;
    if (delta && journal.ready && journal.lineBytes < Math.max(snapshotBytes, options.journalCompactBytes ?? JOURNAL_MIN_COMPACT_BYTES)) await appendToJournal(delta);
    else await writeSnapshot(data);
  }

  let archive: StoreArchive;
  try {
    await db.read();
    const replayed = await readJournal(file, db.data, snapshot ?? '', (reason) => new StoreLoadError(file, reason));
    db.data = replayed.data;
    // Appending goes on after the journal's complete lines; a line cut short is folded away first, so no line is appended to it.
    if (migrated || replayed.skipped > 0) await writeSnapshot(db.data);
    else if (replayed.current) journal = { ready: true, size: replayed.size, lineBytes: replayed.lineBytes };
    else await startJournal();
    archive = await openArchive(file, files);
  } catch (error) {
    await lock.release();
    throw error;
  }

  // Updates are applied in batches, each on a copy of the data as last written: while one batch is
  // on its way to disk, the updates made meanwhile wait for the next, which starts when it ends and
  // carries them all (a burst of updates, like the watcher's per-call records, costs a few writes
  // instead of one each). A batch is written as one journal line (store-journal.ts) or, when the
  // journal cannot say it or has grown past the store file, by rewriting the store file. It becomes
  // what `read` sees once it is on disk; when that write fails, every update of the batch is
  // rejected and none is seen.
  const queue: Pending[] = [];
  let writing: Promise<void> | undefined;
  let lastArchive = clock.now().getTime();
  let archiving: Promise<ArchiveReport> | undefined;

  /**
   * Runs the batch's changes on a copy; a change that throws is rejected and the batch redone
   * without it. The copy is shallow (new arrays, the same records) while every change replaces what
   * it changes (edit), and deep from the first one that may change records in place (update).
   */
  function applyAll(batch: Pending[]): { data: StoreData; deep: boolean; done: { pending: Pending; result: unknown }[] } {
    let remaining = batch;
    for (;;) {
      let data = shallowCopy(db.data);
      let deep = false;
      const done: { pending: Pending; result: unknown }[] = [];
      let thrower: Pending | undefined;
      for (const pending of remaining) {
        if (!pending.replaces && !deep) {
          data = structuredClone(data);
          deep = true;
        }
        try {
          // The result is copied now: it shows the data as this change left it.
          done.push({ pending, result: structuredClone(pending.change(data)) });
        } catch (error) {
          pending.reject(error);
          thrower = pending;
          break;
        }
      }
      if (!thrower) return { data, deep, done };
      // Its partial change is in the copy: start again from the data as written, without it.
      remaining = remaining.filter((p) => p !== thrower);
    }
  }

  async function writeBatch(): Promise<void> {
    const batch = queue.splice(0);
    if (batch.length === 0) return;
    const { data, deep, done } = applyAll(batch);
    if (done.length === 0) return;
    try {
      // Written from the copy: db.data stays as it was until the change is on disk.
      await persist(data, deep);
    } catch (error) {
      const failure = new StoreWriteError(file, error);
      for (const { pending } of done) pending.reject(failure);
      return;
    }
    db.data = data;
    for (const { pending, result } of done) pending.resolve(result);
    if (clock.now().getTime() - lastArchive >= ARCHIVE_EVERY_MS) void archiveSafely();
  }

  function schedule(): void {
    // Started a microtask later, so the updates made in the same turn share the write.
    writing ??= Promise.resolve()
      .then(writeBatch)
      .finally(() => {
        writing = undefined;
        if (queue.length > 0) schedule();
      });
  }

  const enqueue = <T>(change: (data: StoreData) => T, replaces: boolean): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ change, replaces, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
  const update = <T>(change: (data: StoreData) => T) => enqueue(change, false);

  /** Appends what is due to the archive, then removes it from the file (a crash in between leaves it in both). */
  async function archiveNow(): Promise<ArchiveReport> {
    lastArchive = clock.now().getTime();
    const cutoff = new Date(lastArchive - historyMs).toISOString();
    const due = dueForArchive(db.data, cutoff);
    if (due.clusters.length === 0 && due.audit.length === 0) return { clusters: 0, audit: 0 };
    await archive.append(due);
    const ids = new Set(due.clusters.map((c) => c.id));
    const entries = new Set(due.audit.map(auditKey));
    await enqueue((data) => {
      data.clusters = data.clusters.filter((c) => !ids.has(c.id));
      data.audit = data.audit.filter((e) => !(e.at < cutoff && entries.has(auditKey(e))));
    }, true);
    options.logger?.info({ clusters: due.clusters.length, audit: due.audit.length, folder: archive.folder }, 'store: archived deleted clusters and audit entries');
    return { clusters: due.clusters.length, audit: due.audit.length };
  }

  function archiveSafely(): Promise<ArchiveReport> {
    archiving ??= archiveNow()
      .catch((error: unknown) => {
        options.logger?.warn({ err: error, folder: archive.folder }, 'store: archiving failed; it is tried again in an hour');
        return { clusters: 0, audit: 0 };
      })
      .finally(() => (archiving = undefined));
    return archiving;
  }

  await archiveSafely();

  let closed = false;
  return {
    file,
    ...(migrated ? { migrated } : {}),
    archive,
    read: (select) => structuredClone(select(db.data)),
    peek: (select) => select(db.data),
    update,
    edit: (change) => enqueue(change, true),
    archiveDue: archiveNow,
    async close() {
      if (closed) return;
      closed = true;
      await archiving;
      while (writing) await writing;
      await lock.release();
    },
  };
}

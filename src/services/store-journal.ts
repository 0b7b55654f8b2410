/**
 * The store's journal (`<store file>.journal`): a change is written as one appended, fsynced line
 * holding only the records it put in place or removed, instead of rewriting the whole store file.
 * A write then costs what it changed, not what the store holds (30,000 deleted clusters in history
 * make the file megabytes long; a cluster update is a line of a few kB).
 *
 * The store file stays the snapshot: it is rewritten whole (compacted) when the journal has grown
 * past the snapshot's size, at open when the journal ends in a line cut short, and for a change the
 * journal cannot express (one that changes records in place, or removes audit entries). The
 * journal's first line names the snapshot it follows by the SHA-256 of its text, so after a crash
 * between a compaction's new snapshot and its fresh journal, the old journal is recognised as
 * already folded in.
 *
 * A line cut short (a crash or a full disk mid-append) does not parse and is skipped: its change
 * was never acknowledged (a failed append is also truncated away at once).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { accountRecordSchema, auditEntrySchema, clusterRecordSchema, draftRecordSchema, outboxEntrySchema, STORE_VERSION, type StoreData } from './store-schema.js';

export const journalFileOf = (storeFile: string) => `${storeFile}.journal`;

export const snapshotId = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** The journal's first line. */
const headerSchema = z.object({ journal: z.literal(1), version: z.number(), snapshot: z.string() });

export const journalHeader = (snapshot: string) => JSON.stringify({ journal: 1, version: STORE_VERSION, snapshot });

/** The record arrays kept by key; `audit` is append-only. */
const KEYED = {
  accounts: (r: { id: string }) => r.id,
  clusters: (r: { id: string }) => r.id,
  drafts: (r: { id: string }) => r.id,
  outbox: (r: { clusterId: string; step: string }) => `${r.clusterId}\u0000${r.step}`,
} as const;
type Keyed = keyof typeof KEYED;
const KEYED_NAMES = Object.keys(KEYED) as Keyed[];
const keyOf = (name: Keyed, record: unknown) => (KEYED[name] as (r: unknown) => string)(record);

const keyedChange = <T extends z.ZodType>(record: T) => z.object({ set: z.array(record).default([]), del: z.array(z.string()).default([]) }).optional();
const entrySchema = z.object({
  accounts: keyedChange(accountRecordSchema),
  clusters: keyedChange(clusterRecordSchema),
  drafts: keyedChange(draftRecordSchema),
  outbox: keyedChange(outboxEntrySchema),
  audit: z.object({ add: z.array(auditEntrySchema) }).optional(),
});
type JournalEntry = z.infer<typeof entrySchema>;

interface KeyedDelta {
  set: object[];
  del: string[];
}

/** What one change did, as records: per keyed array the records put in place and the keys removed, and the audit entries added. */
export interface Delta {
  keyed: Partial<Record<Keyed, KeyedDelta>>;
  audit: object[];
}

const sameRecords = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((r, i) => r === b[i]);

function applyKeyed<T>(name: Keyed, records: readonly T[], delta: { set: readonly T[]; del: readonly string[] }): T[] {
  const out = [...records];
  if (delta.set.length > 0) {
    const at = new Map(out.map((r, i) => [keyOf(name, r), i]));
    for (const record of delta.set) {
      const key = keyOf(name, record);
      const i = at.get(key);
      if (i === undefined) {
        at.set(key, out.length);
        out.push(record);
      } else out[i] = record;
    }
  }
  if (delta.del.length === 0) return out;
  const gone = new Set(delta.del);
  return out.filter((r) => !gone.has(keyOf(name, r)));
}

/** The records put in place of others of the same key, when that is all that changed (the usual change: one record updated). */
function replacedInPlace(name: Keyed, was: readonly object[], now: readonly object[]): object[] | undefined {
  if (was.length !== now.length) return undefined;
  const set: object[] = [];
  for (const [i, record] of now.entries()) {
    if (record === was[i]) continue;
    if (keyOf(name, record) !== keyOf(name, was[i])) return undefined;
    set.push(record);
  }
  return set;
}

/**
 * The change from `before` to `after` as a journal delta, or undefined when the journal cannot say
 * it (another top-level value changed, audit entries were removed or reordered, or replaying the
 * delta would not give `after` record for record, in the same order); null when nothing changed.
 * Records are compared by identity: a change replaces what it changes (the store's edit rule).
 */
export function deltaOf(before: Readonly<StoreData>, after: Readonly<StoreData>): Delta | null | undefined {
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof StoreData>) {
    if (key === 'audit' || (KEYED_NAMES as string[]).includes(key)) continue;
    if (before[key] !== after[key]) return undefined;
  }
  const delta: Delta = { keyed: {}, audit: [] };
  let changed = false;
  for (const name of KEYED_NAMES) {
    const was = before[name] as readonly object[];
    const now = after[name] as readonly object[];
    if (sameRecords(was, now)) continue;
    const replaced = replacedInPlace(name, was, now);
    if (replaced) {
      delta.keyed[name] = { set: replaced, del: [] };
      changed = true;
      continue;
    }
    const old = new Set(was);
    const keys = new Set(now.map((r) => keyOf(name, r)));
    const change = { set: now.filter((r) => !old.has(r)), del: was.filter((r) => !keys.has(keyOf(name, r))).map((r) => keyOf(name, r)) };
    if (!sameRecords(applyKeyed(name, was, change), now)) return undefined;
    delta.keyed[name] = change;
    changed = true;
  }
  const { audit: was } = before;
  const { audit: now } = after;
  if (now.length < was.length || !was.every((e, i) => e === now[i])) return undefined;
  delta.audit = now.slice(was.length);
  return changed || delta.audit.length > 0 ? delta : null;
}

/** The delta as one journal line (no newline). */
export function journalLine(delta: Delta): string {
  const json = (record: object) => JSON.stringify(record);
  const parts: string[] = [];
  for (const name of KEYED_NAMES) {
    const change = delta.keyed[name];
    if (change) parts.push(`"${name}":{"set":[${change.set.map(json).join(',')}],"del":${JSON.stringify(change.del)}}`);
  }
  if (delta.audit.length > 0) parts.push(`"audit":{"add":[${delta.audit.map(json).join(',')}]}`);
  return `{${parts.join(',')}}`;
}

function replay(data: StoreData, entry: JournalEntry): StoreData {
  const next = { ...data };
  for (const name of KEYED_NAMES) {
    const change = entry[name];
    if (change) (next[name] as unknown[]) = applyKeyed(name, data[name] as unknown[], change as { set: unknown[]; del: string[] });
  }
  if (entry.audit) next.audit = [...data.audit, ...entry.audit.add];
  return next;
}

/** What was found in the journal at open. */
export interface JournalRead {
  /** The snapshot with every complete line of its journal applied. */
  data: StoreData;
  /** Lines applied (0: the journal is absent, empty, or follows another snapshot). */
  applied: number;
  /** Lines skipped because they were cut short. */
  skipped: number;
  /** The journal follows this snapshot (appending to it may go on); its size in bytes, and that of its lines. */
  current: boolean;
  size: number;
  lineBytes: number;
}

/**
 * Applies the journal of `storeFile` to its snapshot `data` (whose text has id `snapshot`). A
 * journal naming another snapshot was folded into this one by a compaction and is ignored. A
 * journal that is not one (no header), or whose complete lines do not match the store schema, is
 * refused with `refuse(reason)`, like a store file that does not.
 */
export async function readJournal(storeFile: string, data: StoreData, snapshot: string, refuse: (reason: string) => Error): Promise<JournalRead> {
  let text: string;
  try {
    text = await readFile(journalFileOf(storeFile), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { data, applied: 0, skipped: 0, current: false, size: 0, lineBytes: 0 };
    throw error;
  }
  const none = { data, applied: 0, skipped: 0, current: false, size: 0, lineBytes: 0 };
  const [first = '', ...lines] = text.split('\n');
  if (first.trim() === '') return none;
  let header;
  try {
    header = headerSchema.parse(JSON.parse(first));
  } catch {
    throw refuse(`its journal ${journalFileOf(storeFile)} does not start with a journal header`);
  }
  if (header.snapshot !== snapshot) return none;
  if (header.version !== STORE_VERSION) throw refuse(`its journal was written for store version ${header.version}, not ${STORE_VERSION}`);
  let applied = 0;
  let skipped = 0;
  for (const [n, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      skipped += 1;
      continue;
    }
    const entry = entrySchema.safeParse(json);
    if (!entry.success) throw refuse(`line ${n + 2} of its journal does not match the store schema`);
    data = replay(data, entry.data);
    applied += 1;
  }
  // The last append stopped before its newline: folded into the store file before appending goes on.
  if (!text.endsWith('\n')) skipped += 1;
  const size = Buffer.byteLength(text);
  return { data, applied, skipped, current: true, size, lineBytes: size - Buffer.byteLength(first) - 1 };
}

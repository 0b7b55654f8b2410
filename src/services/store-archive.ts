/**
 * The store's archive: deleted clusters older than HISTORY_DAYS and audit entries older than that
 * leave the store file for append-only JSON Lines files beside it (`archive/clusters-YYYY-MM.jsonl`,
 * `archive/audit-YYYY-MM.jsonl`, by the month the cluster ended or the entry was made, mode 0600),
 * so the store file, rewritten whole on every change, stays proportional to the active clusters.
 *
 * Entries are appended (and fsynced) before they are removed from the store file, so a crash in
 * between leaves an entry in both, never in neither; reading skips what the store still has and,
 * in the archive, keeps one cluster per id (the last line) and one copy of each audit entry. Each
 * append starts with a newline, so a line cut short by a full disk never swallows the next one.
 *
 * Archived clusters stay findable: a small in-memory index (id, project and name, month) is read
 * at open, and a lookup reads only that month's file.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isGone } from './domain/cluster.js';
import type { DurableFiles } from './durable-file.js';
import { auditEntrySchema, clusterRecordSchema, type AuditEntry, type ClusterRecord, type StoreData } from './store-schema.js';

export const DAY_MS = 24 * 60 * 60_000;

/** When a deleted cluster ended: deleted, or force deleted. */
export function endedAt(cluster: ClusterRecord): string {
  return cluster.deletion?.deletedAt ?? cluster.deletion?.forcedAt ?? cluster.deletion?.requestedAt ?? cluster.createdAt;
}

/** What is due for the archive at `cutoff` (ISO time): deleted clusters that ended before it, audit entries made before it. */
export function dueForArchive(data: Readonly<StoreData>, cutoff: string): { clusters: ClusterRecord[]; audit: AuditEntry[] } {
  return {
    clusters: data.clusters.filter((c) => isGone(c.status) && endedAt(c) < cutoff),
    audit: data.audit.filter((e) => e.at < cutoff),
  };
}

const monthOf = (iso: string) => iso.slice(0, 7);
const nameKey = (project: string | undefined, name: string) => JSON.stringify([project ?? null, name.toLowerCase()]);
export const auditKey = (entry: AuditEntry) => JSON.stringify([entry.at, entry.actor, entry.action, entry.target, entry.detail]);

interface Indexed {
  id: string;
  createdAt: string;
  file: string;
}

export interface StoreArchive {
  readonly folder: string;
  /** An archived cluster, by id. */
  cluster(id: string): Promise<ClusterRecord | undefined>;
  /** The most recently created archived cluster of the project with that name, whatever its case. */
  clusterNamed(project: string | undefined, name: string): Promise<ClusterRecord | undefined>;
  /** Every archived audit entry, oldest first. */
  audit(): Promise<AuditEntry[]>;
  /** How many clusters the archive holds. */
  readonly clusterCount: number;
  /** Appends the clusters and entries to their month's files (durably); they are findable once it resolves. */
  append(due: { clusters: readonly ClusterRecord[]; audit: readonly AuditEntry[] }): Promise<void>;
}

/** The lines of a JSON Lines file that parse with `schema`; a cut-short or unreadable line is skipped. */
async function readLines<T>(file: string, parse: (json: unknown) => T | undefined): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = parse(JSON.parse(line));
      if (value !== undefined) out.push(value);
    } catch {
      // A line cut short (a full disk, a crash mid-append): skipped; its record is still in the store file.
    }
  }
  return out;
}

const parseCluster = (json: unknown) => {
  const parsed = clusterRecordSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
};
const parseAudit = (json: unknown) => {
  const parsed = auditEntrySchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
};

/** Opens the archive folder next to the store file and indexes the clusters it holds. */
export async function openArchive(storeFile: string, files: DurableFiles): Promise<StoreArchive> {
  const folder = path.join(path.dirname(path.resolve(storeFile)), 'archive');
  const byId = new Map<string, Indexed>();
  const byName = new Map<string, Indexed[]>();
  const index = (cluster: ClusterRecord, file: string) => {
    const entry = { id: cluster.id, createdAt: cluster.createdAt, file };
    byId.set(cluster.id, entry);
    const key = nameKey(cluster.project, cluster.spec.name);
    byName.set(key, [...(byName.get(key) ?? []).filter((e) => e.id !== cluster.id), entry]);
  };
  const fileFor = (kind: 'clusters' | 'audit', iso: string) => path.join(folder, `${kind}-${monthOf(iso)}.jsonl`);
  const listed = async (kind: 'clusters' | 'audit') => {
    try {
      return (await readdir(folder)).filter((f) => f.startsWith(`${kind}-`) && f.endsWith('.jsonl')).sort().map((f) => path.join(folder, f));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  };
  for (const file of await listed('clusters')) for (const cluster of await readLines(file, parseCluster)) index(cluster, file);

  const fromFile = async (entry: Indexed | undefined) =>
    entry ? (await readLines(entry.file, parseCluster)).filter((c) => c.id === entry.id).at(-1) : undefined;

  return {
    folder,
    get clusterCount() {
      return byId.size;
    },
    cluster: (id) => fromFile(byId.get(id)),
    async clusterNamed(project, name) {
      const named = byName.get(nameKey(project, name)) ?? [];
      return fromFile([...named].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]);
    },
    async audit() {
      const seen = new Set<string>();
      const entries: AuditEntry[] = [];
      for (const file of await listed('audit')) {
        for (const entry of await readLines(file, parseAudit)) {
          const key = auditKey(entry);
          if (!seen.has(key)) entries.push(entry);
          seen.add(key);
        }
      }
      return entries.sort((a, b) => a.at.localeCompare(b.at));
    },
    async append(due) {
      const groups = new Map<string, string[]>();
      const add = (file: string, record: unknown) => {
        const lines = groups.get(file) ?? [];
        lines.push(JSON.stringify(record));
        groups.set(file, lines);
      };
      for (const cluster of due.clusters) add(fileFor('clusters', endedAt(cluster)), cluster);
      for (const entry of due.audit) add(fileFor('audit', entry.at), entry);
      if (groups.size === 0) return;
      await mkdir(folder, { recursive: true, mode: 0o700 });
      for (const [file, lines] of groups) await files.append(file, `\n${lines.join('\n')}\n`);
      for (const cluster of due.clusters) index(cluster, fileFor('clusters', endedAt(cluster)));
    },
  };
}

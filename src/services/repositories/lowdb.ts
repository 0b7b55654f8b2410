/**
 * The repositories over the lowdb store (one JSON document, one replica). Each method reads or
 * changes the document in one synchronous step and one (coalesced) file write, so a change never
 * interleaves with another. Changes go through store.edit: a record is changed on a copy put in
 * its place, never in place. The persisted records (store-schema.ts) map to the domain types here,
 * and only here.
 *
 * Lookups by id, draft and name go through indexes (Maps) built once per version of the document
 * the store last wrote, and copy only the records found. A cluster no longer in the document
 * (deleted more than HISTORY_DAYS ago) is looked up in the store's archive by `get` and `findByName`.
 */
import { clusterStatusSchema, type AccountRecord, type AuditEntry as StoredAuditEntry, type ClusterRecord, type DraftRecord, type OutboxEntryRecord, type StoreData } from '../store-schema.js';
import type { Store } from '../store.js';
import { auditKey } from '../store-archive.js';
import { isGone, type AuditEntry, type CloudAccount, type Cluster, type ClusterStatus, type Draft } from '../domain/index.js';
import type { AccountRepository, AuditLog, Change, ClusterFilter, ClusterRepository, DraftRepository, OutboxMessage, OutboxRepository, Repositories } from './repositories.js';

// The mappings between persisted records and domain types. They are the identity while both have
// the same shape; the assignments in both directions make the compiler say when they part.
const toCluster = (record: ClusterRecord): Cluster => record;
const fromCluster = (cluster: Cluster): ClusterRecord => cluster;
const toDraft = (record: DraftRecord): Draft => record;
const fromDraft = (draft: Draft): DraftRecord => draft;
const toAccount = (record: AccountRecord): CloudAccount => record;
const fromAccount = (account: CloudAccount): AccountRecord => account;
const toAuditEntry = (entry: StoredAuditEntry): AuditEntry => entry;
// A reply's ThreadEvent is stored as the plain JSON it is.
const toOutbox = (record: OutboxEntryRecord): OutboxMessage => structuredClone(record) as OutboxMessage;
const fromOutbox = (message: OutboxMessage): OutboxEntryRecord => structuredClone(message) as OutboxEntryRecord;
const fromAuditEntry = (entry: AuditEntry): StoredAuditEntry => entry;

const maybe = <R, T>(record: R | undefined, to: (record: R) => T): T | undefined => (record === undefined ? undefined : to(record));
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const sameScope = (a: CloudAccount['scope'], b: CloudAccount['scope']) =>
  a.kind === b.kind && (a.kind === 'tenant' || (b.kind === 'project' && a.project === b.project));

function matches(cluster: ClusterRecord, filter: ClusterFilter): boolean {
  if (filter.status && !filter.status.includes(cluster.status)) return false;
  if (filter.project !== undefined && cluster.project !== (filter.project ?? undefined)) return false;
  if (filter.accountId !== undefined && cluster.spec.accountId !== filter.accountId) return false;
  return true;
}

/**
 * Applies `change` to a copy of the record `find` picks in `list` and puts the copy in its place,
 * in one write (store.edit: stored records are never changed in place); the record as it then is,
 * or undefined when there is none. A change that returns `false` changed nothing: the record stays.
 */
function updateIn<R, T>(store: Store, list: (data: StoreData) => R[], find: (record: R) => boolean, change: Change<T>, to: (record: R) => T): Promise<T | undefined> {
  return store.edit((data) => {
    const records = list(data);
    const index = records.findIndex(find);
    if (index < 0) return undefined;
    const copy = structuredClone(records[index] as R);
    if (change(to(copy)) === false) return to(records[index] as R);
    records[index] = copy;
    return to(copy);
  });
}

/** The cluster `id` of the edit's data, as a copy put in place of the stored one (to change), or undefined. */
function ownCluster(data: StoreData, id: string): ClusterRecord | undefined {
  const index = data.clusters.findIndex((c) => c.id === id);
  if (index < 0) return undefined;
  const copy = structuredClone(data.clusters[index] as ClusterRecord);
  data.clusters[index] = copy;
  return copy;
}

/** Freezes a value and everything in it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * `list` hands out the stored records themselves, frozen (once; freezing a frozen record costs
 * nothing): the store replaces a record it changes, never changes it in place, so what a caller
 * holds stays the version it listed, and nobody can change the store through it. The watcher lists
 * every live cluster every tick: a fresh copy of each was most of a quiet tick's work, and a
 * cached copy of each doubled the memory the clusters take.
 */
const frozenRecord = <R extends object>(record: R): R => deepFreeze(record);

const nameKey = (project: string | undefined, name: string) => JSON.stringify([project ?? null, name.toLowerCase()]);

interface Indexes {
  clusters: Map<string, ClusterRecord>;
  clustersByDraft: Map<string, ClusterRecord>;
  clustersByName: Map<string, ClusterRecord[]>;
  drafts: Map<string, DraftRecord>;
}

/**
 * The indexes of one version of the document. The store never changes a version it handed to
 * `read` (an update works on a copy that becomes the next version), so they hold until the next
 * write, and the WeakMap lets old versions go.
 */
function indexer(): (data: Readonly<StoreData>) => Indexes {
  const built = new WeakMap<Readonly<StoreData>, Indexes>();
  return (data) => {
    let indexes = built.get(data);
    if (!indexes) {
      indexes = { clusters: new Map(), clustersByDraft: new Map(), clustersByName: new Map(), drafts: new Map() };
      for (const cluster of data.clusters) {
        indexes.clusters.set(cluster.id, cluster);
        indexes.clustersByDraft.set(cluster.draftId, cluster);
        const key = nameKey(cluster.project, cluster.spec.name);
        indexes.clustersByName.set(key, [...(indexes.clustersByName.get(key) ?? []), cluster]);
      }
      for (const draft of data.drafts) indexes.drafts.set(draft.id, draft);
      built.set(data, indexes);
    }
    return indexes;
  };
}

function clusterRepository(store: Store, indexes: (data: Readonly<StoreData>) => Indexes): ClusterRepository {
  const named = (data: Readonly<StoreData>, project: string | undefined, name: string) =>
    data.clusters.filter((c) => c.project === project && sameName(c.spec.name, name));
  return {
    get: async (id) => maybe(store.read((data) => indexes(data).clusters.get(id)) ?? (await store.archive.cluster(id)), toCluster),
    findByDraft: async (draftId) => maybe(store.read((data) => indexes(data).clustersByDraft.get(draftId)), toCluster),
    async findByName(project, name) {
      const found = store.read((data) => {
        const all = indexes(data).clustersByName.get(nameKey(project, name)) ?? [];
        return all.find((c) => !isGone(c.status)) ?? [...all].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
      });
      // Clusters deleted more than HISTORY_DAYS ago are in the archive, and older than any in the file.
      return maybe(found ?? (await store.archive.clusterNamed(project, name)), toCluster);
    },
    list: async (filter = {}) => store.peek((data) => data.clusters.filter((c) => matches(c, filter))).map((c) => toCluster(frozenRecord(c))),
    countByStatus: async () =>
      store.read((data) => {
        const counts = Object.fromEntries(clusterStatusSchema.options.map((status) => [status, 0])) as Record<ClusterStatus, number>;
        for (const cluster of data.clusters) counts[cluster.status] += 1;
        return counts;
      }),
    insert: (cluster) =>
      store.edit((data) => {
        const existing = data.clusters.find((c) => c.draftId === cluster.draftId);
        if (existing) return { ok: false, conflict: 'draft', existing: toCluster(existing) } as const;
        if (named(data, cluster.project, cluster.spec.name).some((c) => !isGone(c.status))) return { ok: false, conflict: 'name' } as const;
        data.clusters.push(fromCluster(structuredClone(cluster)));
        return { ok: true } as const;
      }),
    update: (id, change) => updateIn(store, (data) => data.clusters, (c) => c.id === id, change, toCluster),
    async claim(id, stepKey) {
      return store.edit((data) => {
        const stored = data.clusters.find((c) => c.id === id);
        if (!stored || stored.posted.includes(stepKey)) return false;
        ownCluster(data, id)?.posted.push(stepKey);
        return true;
      });
    },
    updateMany: (changes) =>
      store.edit((data) =>
        changes.flatMap(({ id, apply }) => {
          const record = ownCluster(data, id);
          if (!record) return [];
          const result = apply(toCluster(record), {
            claim: (stepKey) => !record.posted.includes(stepKey) && record.posted.push(stepKey) > 0,
            audit: (...entries) => void data.audit.push(...entries.map((e) => fromAuditEntry(structuredClone(e)))),
          });
          return [{ cluster: toCluster(record), result }];
        }),
      ),
  };
}

function draftRepository(store: Store, indexes: (data: Readonly<StoreData>) => Indexes): DraftRepository {
  return {
    get: async (id) => maybe(store.read((data) => indexes(data).drafts.get(id)), toDraft),
    list: async ({ userId, channel }) =>
      store
        .read((data) => data.drafts.filter((d) => d.userId === userId && (channel === undefined || d.channel === channel)))
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
        .map(toDraft),
    insert: (draft, options = {}) =>
      store.edit((data) => {
        const before = options.removeUpdatedBefore;
        if (before !== undefined) data.drafts = data.drafts.filter((d) => d.updatedAt >= before);
        data.drafts.push(fromDraft(structuredClone(draft)));
      }),
    update: (id, change) => updateIn(store, (data) => data.drafts, (d) => d.id === id, change, toDraft),
    remove: (id, when = () => true) =>
      store.edit((data) => {
        const before = data.drafts.length;
        data.drafts = data.drafts.filter((d) => d.id !== id || !when(toDraft(d)));
        return data.drafts.length < before;
      }),
  };
}

function accountRepository(store: Store): AccountRepository {
  return {
    all: () => store.read((data) => data.accounts).map(toAccount),
    insertUnique: (account) =>
      store.edit((data) => {
        if (data.accounts.some((a) => sameName(a.name, account.name) && sameScope(a.scope, account.scope))) return false;
        data.accounts.push(fromAccount(structuredClone(account)));
        return true;
      }),
    removeUnused: (like) =>
      store.edit((data) => {
        const record = data.accounts.find((a) => sameName(a.name, like.name) && sameScope(a.scope, like.scope));
        if (!record) return { removed: false, reason: 'not_found' } as const;
        const users = data.clusters.filter((c) => c.spec.accountId === record.id && !isGone(c.status));
        if (users.length > 0) return { removed: false, reason: 'in_use', clusters: users.map((c) => c.spec.name) } as const;
        data.accounts = data.accounts.filter((a) => a.id !== record.id);
        return { removed: true, account: toAccount(record) } as const;
      }),
  };
}

function auditLog(store: Store): AuditLog {
  return {
    append: (...entries) => store.edit((data) => void data.audit.push(...entries.map((e) => fromAuditEntry(structuredClone(e))))),
    /** The archive's entries (older), then the file's; an entry in both (a crash while archiving) once. */
    async list(filter = {}) {
      const wanted = (e: StoredAuditEntry) => filter.target === undefined || e.target === filter.target;
      const live = store.read((data) => data.audit.filter(wanted));
      const inFile = new Set(live.map(auditKey));
      const archived = (await store.archive.audit()).filter((e) => wanted(e) && !inFile.has(auditKey(e)));
      return [...archived, ...live].map(toAuditEntry);
    },
  };
}

function outboxRepository(store: Store): OutboxRepository {
  const same = (clusterId: string, step: string) => (m: OutboxEntryRecord) => m.clusterId === clusterId && m.step === step;
  return {
    record: (messages, options = {}) =>
      store.edit((data) => {
        const before = options.removeSentBefore;
        if (before !== undefined) data.outbox = data.outbox.filter((m) => m.ts === undefined || m.recordedAt >= before);
        let recorded = 0;
        for (const message of messages) {
          if (data.outbox.some(same(message.clusterId, message.step))) continue;
          data.outbox.push(fromOutbox(message));
          recorded += 1;
        }
        return recorded;
      }),
    find: async (clusterId, step) => maybe(store.read((data) => data.outbox.find(same(clusterId, step))), toOutbox),
    markSent: (clusterId, step, ts) =>
      store.edit((data) => {
        const index = data.outbox.findIndex(same(clusterId, step));
        if (index >= 0) data.outbox[index] = { ...(data.outbox[index] as OutboxEntryRecord), ts };
      }),
    forget: (clusterId, step) =>
      store.edit((data) => {
        data.outbox = data.outbox.filter((m) => !same(clusterId, step)(m));
      }),
    pending: async () =>
      store
        .read((data) => data.outbox.filter((m) => m.ts === undefined))
        .sort((a, b) => a.recordedAt.localeCompare(b.recordedAt))
        .map(toOutbox),
    // The data file's lock makes this process the only one: a message it does not send itself was left by a dead one.
    take: async (clusterId, step) => store.read((data) => data.outbox.some((m) => same(clusterId, step)(m) && m.ts === undefined)),
  };
}

/** Every repository over one lowdb store. */
export function createLowdbRepositories(store: Store): Repositories {
  const indexes = indexer();
  return {
    clusters: clusterRepository(store, indexes),
    drafts: draftRepository(store, indexes),
    accounts: accountRepository(store),
    audit: auditLog(store),
    outbox: outboxRepository(store),
  };
}

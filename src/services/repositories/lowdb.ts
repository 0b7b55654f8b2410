/**
 * The repositories over the lowdb store (one JSON document, one replica). Each method reads or
 * changes the document in one synchronous step and one (coalesced) file write, so a change never
 * interleaves with another. The persisted records (store-schema.ts) map to the domain types here,
 * and only here.
 */
import { clusterStatusSchema, type AccountRecord, type AuditEntry as StoredAuditEntry, type ClusterRecord, type DraftRecord, type StoreData } from '../store-schema.js';
import type { Store } from '../store.js';
import { isGone, type AuditEntry, type CloudAccount, type Cluster, type ClusterStatus, type Draft } from '../domain/index.js';
import type { AccountRepository, AuditLog, Change, ClusterFilter, ClusterRepository, DraftRepository, Repositories } from './repositories.js';

// The mappings between persisted records and domain types. They are the identity while both have
// the same shape; the assignments in both directions make the compiler say when they part.
const toCluster = (record: ClusterRecord): Cluster => record;
const fromCluster = (cluster: Cluster): ClusterRecord => cluster;
const toDraft = (record: DraftRecord): Draft => record;
const fromDraft = (draft: Draft): DraftRecord => draft;
const toAccount = (record: AccountRecord): CloudAccount => record;
const fromAccount = (account: CloudAccount): AccountRecord => account;
const toAuditEntry = (entry: StoredAuditEntry): AuditEntry => entry;
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
 * Applies `change` to the record `find` picks, in one write; the record as it then is, or undefined
 * when there is none. (A change that returns `false` changed nothing; lowdb writes the file anyway.)
 */
function updateIn<R, T>(store: Store, find: (data: StoreData) => R | undefined, change: Change<T>, to: (record: R) => T): Promise<T | undefined> {
  return store.update((data) => {
    const record = find(data);
    if (record === undefined) return undefined;
    change(to(record));
    return to(record);
  });
}

function clusterRepository(store: Store): ClusterRepository {
  const byId = (id: string) => (data: Readonly<StoreData>) => data.clusters.find((c) => c.id === id);
  const named = (data: Readonly<StoreData>, project: string | undefined, name: string) =>
    data.clusters.filter((c) => c.project === project && sameName(c.spec.name, name));
  return {
    get: async (id) => maybe(store.read(byId(id)), toCluster),
    findByDraft: async (draftId) => maybe(store.read((data) => data.clusters.find((c) => c.draftId === draftId)), toCluster),
    async findByName(project, name) {
      const all = store.read((data) => named(data, project, name));
      return maybe(all.find((c) => !isGone(c.status)) ?? all.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0], toCluster);
    },
    list: async (filter = {}) => store.read((data) => data.clusters.filter((c) => matches(c, filter))).map(toCluster),
    countByStatus: async () =>
      store.read((data) => {
        const counts = Object.fromEntries(clusterStatusSchema.options.map((status) => [status, 0])) as Record<ClusterStatus, number>;
        for (const cluster of data.clusters) counts[cluster.status] += 1;
        return counts;
      }),
    insert: (cluster) =>
      store.update((data) => {
        const existing = data.clusters.find((c) => c.draftId === cluster.draftId);
        if (existing) return { ok: false, conflict: 'draft', existing: toCluster(existing) } as const;
        if (named(data, cluster.project, cluster.spec.name).some((c) => !isGone(c.status))) return { ok: false, conflict: 'name' } as const;
        data.clusters.push(fromCluster(structuredClone(cluster)));
        return { ok: true } as const;
      }),
    update: (id, change) => updateIn(store, byId(id), change, toCluster),
    async claim(id, stepKey) {
      return store.update((data) => {
        const record = data.clusters.find((c) => c.id === id);
        if (!record || record.posted.includes(stepKey)) return false;
        record.posted.push(stepKey);
        return true;
      });
    },
    updateMany: (changes) =>
      store.update((data) =>
        changes.flatMap(({ id, apply }) => {
          const record = data.clusters.find((c) => c.id === id);
          if (!record) return [];
          const result = apply(toCluster(record), {
            claim: (stepKey) => !record.posted.includes(stepKey) && record.posted.push(stepKey) > 0,
            audit: (...entries) => void data.audit.push(...entries.map(fromAuditEntry)),
          });
          return [{ cluster: toCluster(record), result }];
        }),
      ),
  };
}

function draftRepository(store: Store): DraftRepository {
  return {
    get: async (id) => maybe(store.read((data) => data.drafts.find((d) => d.id === id)), toDraft),
    list: async ({ userId, channel }) =>
      store
        .read((data) => data.drafts.filter((d) => d.userId === userId && (channel === undefined || d.channel === channel)))
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
        .map(toDraft),
    insert: (draft, options = {}) =>
      store.update((data) => {
        const before = options.removeUpdatedBefore;
        if (before !== undefined) data.drafts = data.drafts.filter((d) => d.updatedAt >= before);
        data.drafts.push(fromDraft(structuredClone(draft)));
      }),
    update: (id, change) => updateIn(store, (data) => data.drafts.find((d) => d.id === id), change, toDraft),
    remove: (id, when = () => true) =>
      store.update((data) => {
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
      store.update((data) => {
        if (data.accounts.some((a) => sameName(a.name, account.name) && sameScope(a.scope, account.scope))) return false;
        data.accounts.push(fromAccount(structuredClone(account)));
        return true;
      }),
    removeUnused: (like) =>
      store.update((data) => {
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
    append: (...entries) => store.update((data) => void data.audit.push(...entries.map(fromAuditEntry))),
    list: async (filter = {}) => store.read((data) => data.audit.filter((e) => filter.target === undefined || e.target === filter.target)).map(toAuditEntry),
  };
}

/** Every repository over one lowdb store. */
export function createLowdbRepositories(store: Store): Repositories {
  return { clusters: clusterRepository(store), drafts: draftRepository(store), accounts: accountRepository(store), audit: auditLog(store) };
}

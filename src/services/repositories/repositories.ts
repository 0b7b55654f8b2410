/**
 * The repositories: the only code that knows how tkeops' state is stored. Services get and change
 * clusters, drafts, cloud accounts and the audit trail through these interfaces and never see the
 * store's shape. Methods are async and `update(id, change)` hands the change the current record
 * inside one write, so a database can implement them with a transaction and a row lock
 * (SELECT … FOR UPDATE, change, UPDATE) as lowdb does with its one in-memory document (lowdb.ts).
 * Records handed out are copies: changing one changes nothing stored.
 */
import type { AuditEntry, CloudAccount, Cluster, ClusterStatus, Draft } from '../domain/index.js';
import type { ThreadEvent } from '../../lifecycle/events.js';

/** Which clusters list() returns; every condition given must hold. */
export interface ClusterFilter {
  /** In one of these statuses. */
  status?: readonly ClusterStatus[];
  /** Of this project; `null`: created from channels of no project. */
  project?: string | null;
  /** Using this cloud account. */
  accountId?: string;
}

/** Inside updateMany: claims a thread step and adds audit entries in the same write as the change. */
export interface ClusterWrite {
  /** Marks `stepKey` as taken for this cluster; true only for the caller that took it first. */
  claim(stepKey: string): boolean;
  audit(...entries: AuditEntry[]): void;
}

/** One cluster's part of a batched write: `apply` gets the current record to change. */
export interface ClusterChange<T> {
  id: string;
  apply(cluster: Cluster, write: ClusterWrite): T;
}

export type ClusterInsert = { ok: true } | { ok: false; conflict: 'draft'; existing: Cluster } | { ok: false; conflict: 'name' };

/** A record the change returned `false` for: left as it was. */
export type Change<T> = (record: T) => void | false;

export interface ClusterRepository {
  get(id: string): Promise<Cluster | undefined>;
  /** The cluster Deploy recorded for this wizard draft (the exactly-once key). */
  findByDraft(draftId: string): Promise<Cluster | undefined>;
  /**
   * The project's cluster called `name`, whatever its case (`undefined` project: clusters of
   * channels of no project): the one not deleted, else the most recently created deleted one.
   */
  findByName(project: string | undefined, name: string): Promise<Cluster | undefined>;
  /** Snapshots that may be frozen (lowdb's are, and shared between calls): change them only through `update`. */
  list(filter?: ClusterFilter): Promise<Cluster[]>;
  /** How many clusters there are in each status (every status present, 0 included). */
  countByStatus(): Promise<Record<ClusterStatus, number>>;
  /**
   * Records a new cluster, unless its draft already has one (`conflict: 'draft'`, with it) or a
   * cluster of its project that is not deleted has its name, whatever the case (`conflict:
   * 'name'`): both checked in the same write (a unique index in a database).
   */
  insert(cluster: Cluster): Promise<ClusterInsert>;
  /** Applies `change` to the current record in one write; the record as changed, or undefined when there is none. */
  update(id: string, change: Change<Cluster>): Promise<Cluster | undefined>;
  /** Marks the thread step `stepKey` as taken (posted) for the cluster; true only for the first caller. */
  claim(id: string, stepKey: string): Promise<boolean>;
  /**
   * Several clusters' changes, their step claims and audit entries in one write (the watcher's one
   * write per tick). Clusters that no longer exist are skipped; the others come back in order.
   */
  updateMany<T>(changes: readonly ClusterChange<T>[]): Promise<{ cluster: Cluster; result: T }[]>;
}

export interface DraftRepository {
  get(id: string): Promise<Draft | undefined>;
  /** The user's drafts in a channel, newest first. */
  list(filter: { userId: string; channel?: string }): Promise<Draft[]>;
  /** Adds the draft and, in the same write, removes the drafts last updated before `removeUpdatedBefore`. */
  insert(draft: Draft, options?: { removeUpdatedBefore?: string }): Promise<void>;
  update(id: string, change: Change<Draft>): Promise<Draft | undefined>;
  /** Removes the draft, if `when` (default: always) says so of the stored one, in one write. */
  remove(id: string, when?: (draft: Draft) => boolean): Promise<boolean>;
}

export type AccountRemoval = { removed: true; account: CloudAccount } | { removed: false; reason: 'not_found' } | { removed: false; reason: 'in_use'; clusters: string[] };

export interface AccountRepository {
  /**
   * Every cloud account, synchronously: accounts are few and read around every Tencent call, so an
   * implementation keeps them in memory (lowdb: its document; a database: loaded at start and
   * reloaded when they change).
   */
  all(): readonly CloudAccount[];
  /** Adds the account unless its scope has one of the same name, whatever the case; false then. */
  insertUnique(account: CloudAccount): Promise<boolean>;
  /**
   * Removes the account called `name` (any case) in the scope of `like`, unless a cluster that is
   * not deleted uses it (`in_use`, naming them): checked in the same write.
   */
  removeUnused(like: Pick<CloudAccount, 'name' | 'scope'>): Promise<AccountRemoval>;
}

export interface AuditLog {
  append(...entries: AuditEntry[]): Promise<void>;
  /** Entries oldest first; only those about `target` when given. */
  list(filter?: { target?: string }): Promise<AuditEntry[]>;
}

/**
 * A provisioning-thread message (a cluster's root message, `step` 'root', or the reply of one
 * step) as recorded before it is sent; `ts` once Slack took it. In SQL: one row per
 * (cluster_id, step), the primary key.
 */
export interface OutboxMessage {
  clusterId: string;
  step: string;
  channel: string;
  /** A reply: the root message's ts. */
  threadTs?: string | undefined;
  /** When it was recorded (ISO): a search for it in Slack starts there. */
  recordedAt: string;
  ts?: string | undefined;
  /** A reply: what it tells, to send it again after a crash. */
  event?: ThreadEvent | undefined;
  /**
   * Several replicas (PostgreSQL): the replica sending it and until when (ISO), renewed while it is
   * on its way; another replica resumes it only once that has passed (see `take`).
   */
  heldBy?: string | undefined;
  heldUntil?: string | undefined;
}

export interface OutboxRepository {
  /**
   * Records the messages about to be sent, skipping any whose cluster and step are already there
   * (INSERT … ON CONFLICT DO NOTHING); in the same write, forgets the sent ones recorded before
   * `removeSentBefore`. How many were recorded now: a message another caller (another replica)
   * recorded first is being sent by it.
   */
  record(messages: readonly OutboxMessage[], options?: { removeSentBefore?: string }): Promise<number>;
  find(clusterId: string, step: string): Promise<OutboxMessage | undefined>;
  /** Slack took it: its ts. */
  markSent(clusterId: string, step: string, ts: string): Promise<void>;
  /** Slack provably did not take it, or it will never be sent: it is forgotten. */
  forget(clusterId: string, step: string): Promise<void>;
  /** The messages recorded and not known sent, oldest first. */
  pending(): Promise<OutboxMessage[]>;
  /**
   * Holds a pending message for `holder` until `until` (ISO): true when it was held by nobody,
   * already by `holder`, or its hold had passed at `now`; false when it is sent, gone, or another
   * live replica is sending it (a 429's Retry-After, a queue behind other messages), which resuming
   * it would post twice. The sender renews its hold while the message is on its way.
   */
  take(clusterId: string, step: string, holder: string, until: string, now: string): Promise<boolean>;
}

export interface Repositories {
  clusters: ClusterRepository;
  drafts: DraftRepository;
  accounts: AccountRepository;
  audit: AuditLog;
  outbox: OutboxRepository;
}

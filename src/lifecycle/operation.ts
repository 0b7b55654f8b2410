import type { Logger } from '../services/logger.js';
import type { AuditEntry, ClusterRecord, ClusterStatus, TencentFailure } from '../services/domain/index.js';
import type { TkeCluster, TkeGateway, TkeTarget } from '../services/tke.js';
import type { CallJournal } from './day-two.js';
import type { OnCall, ThreadEvent, ThreadReply } from './events.js';

/** A change to a cluster record, applied in the watcher's one store write of the tick. */
export type Change = (record: ClusterRecord) => void;

/** The calls a step makes that need a Running cluster (Deploy's ProvisioningSteps: each records its own progress). */
export interface ProvisioningCalls {
  requestEndpoint(clusterId: string, access: 'private' | 'public'): Promise<void>;
  restrictPublicEndpoint(clusterId: string): Promise<void>;
  createWorkerPools(clusterId: string): Promise<void>;
  installAddons(clusterId: string): Promise<void>;
}

/** The expiry service as the expiry operation sees it. */
export interface ExpiryCalls {
  /** Posts "expired" and deletes the cluster like a confirmed deletion (exactly once: DeletionService). */
  expire(clusterId: string): Promise<void>;
  /** Who the thread mentions when a protected cluster expires: the project's admins (else the tenant admins). */
  adminsOf(project: string | undefined): readonly string[];
}

/** What the steps may use: the Tencent gateway, Deploy's calls, the force-delete threshold, who is on call. */
export interface LifecycleDeps {
  tke: Pick<
    TkeGateway,
    | 'describeClusterEndpointStatus'
    | 'describeClusterNodePools'
    | 'describeClusterReleases'
    | 'describeClusterPendingReleases'
    | 'describeInstances'
    | 'describeDisks'
    | 'describeLoadBalancers'
    | 'describeClusterEndpoints'
    | 'setClusterDeletionProtection'
    | 'modifyNodePoolRange'
    | 'modifyNodePoolDesired'
    | 'deleteClusterNodePool'
    | 'createClusterNodePool'
    | 'describeSubnets'
    | 'updateClusterVersion'
    | 'checkInstancesUpgradeAble'
    | 'upgradeClusterInstances'
    | 'getUpgradeInstanceProgress'
  >;
  /** Day-two operations write each Tencent call before and after it (src/lifecycle/day-two.ts). */
  journal?: CallJournal;
  provisioning: ProvisioningCalls;
  /** What the expiry operation calls (src/services/expiry.ts); without it expired clusters are left alone. */
  expiry?: ExpiryCalls | undefined;
  forceDeleteAfterMs: number;
  onCall: () => OnCall;
  logger: Logger;
}

/** What a step sees in one watcher tick. */
export interface StepContext {
  /** The record as read at the start of the tick. */
  record: ClusterRecord;
  /**
   * What DescribeClusters answered for it; undefined when Tencent does not have the cluster. For a
   * record without a TKE cluster id: the cluster Tencent has with its tkeops tag, if any.
   */
  tencent: TkeCluster | undefined;
  target: TkeTarget;
  now: Date;
  deps: LifecycleDeps;
}

/** What one step did in a tick; nothing means it still waits. */
export interface StepTick {
  /** Items finished now (`['']` for a step without items): the runner records them and posts their replies. */
  done?: readonly string[];
  /** Progress made on the way (e.g. one endpoint Created), recorded with the tick. */
  change?: Change;
  /** Replies that are the record themselves (their key in `posted`), e.g. the force-delete offer. */
  replies?: ThreadReply[];
  audit?: AuditEntry[];
  /** Ends the operation: status Failed, the failure on the root message and in the thread. */
  fail?: TencentFailure;
}

/**
 * One row of an operation. A step with `items` stands for one step per item (one per worker pool),
 * each with the key `<key>:<item>`; the others have the single item ''.
 */
export interface Step {
  key: string;
  /** Its line in the overview's step list; a step without a label is not shown nor counted in the percentage. */
  label?: (record: ClusterRecord, item: string) => string;
  items?: (record: ClusterRecord) => readonly string[];
  /** Only some clusters have it (add-ons: only with add-on packs); default every cluster. */
  plannedFor?: (record: ClusterRecord) => boolean;
  /** Steps (by key) that must be done before it runs; 'all' = every step above it. */
  after?: readonly string[] | 'all';
  /** Runs only once the steps it comes after were recorded in an earlier tick (not in this one). */
  afterRecorded?: boolean;
  /** Where it is recorded (documentation; `doneAt` reads it). */
  records: string;
  /** When it was done, as recorded; undefined while pending. Default: `progress.steps[<key>]`. */
  doneAt?: (record: ClusterRecord, item: string) => string | undefined;
  /** Records it done at `at`. Default: `progress.steps[<key>] = at`. */
  record?: (record: ClusterRecord, at: string, item: string) => void;
  /**
   * What it waits for and what it calls, once a tick while pending and its prerequisites are done
   * (only the pending items are given). Without it the step is done by a service, not the watcher.
   */
  advance?: (context: StepContext, pending: readonly string[]) => Promise<StepTick | undefined>;
  /** The thread reply once it is done (read from the record). Without one, a done step says nothing (unless it has a label: see stepDone). */
  reply?: (record: ClusterRecord, item: string) => ThreadEvent;
  /** An error of this step that is retried next tick does not hold back the steps that do not come after it. */
  othersGoOnWhileRetried?: boolean;
  /**
   * A lasting failure of `action` while this step is pending may be retried by a person ("Retry the
   * failed step"): the step is safe to run again, since it skips what it already made (named
   * `label` in Slack). Steps without it fail for good.
   */
  retryable?: { action: string; label: string };
}

/** What a whole operation does in the watcher when a step fails for good. */
export interface Operation {
  name: string;
  /** The statuses in which the watcher runs this operation's steps. */
  watches: readonly ClusterStatus[];
  /** Only the records of those statuses it says yes to (a day-two operation: those with one under way). Default: all. */
  watchedWhen?: (record: ClusterRecord) => boolean;
  /** Checked before the steps: a failure ends the operation; 'skip' leaves the cluster alone this tick. */
  guard?: (context: StepContext) => TencentFailure | 'skip' | undefined;
  /**
   * False: a lasting Tencent error never fails the cluster (a deletion stays Deleting, so force
   * delete stays reachable); it is told in the thread like a transient one.
   */
  failsOnError: boolean;
  steps: readonly Step[];
}

/**
 * The whole lifecycle as data: the operation whose steps the overview and the root message show
 * (provisioning), and every operation the watcher runs.
 */
export interface Lifecycle {
  provision: Operation;
  operations: readonly Operation[];
}

/** One step of one cluster (a worker pool's step is one instance per pool). */
export interface StepInstance {
  step: Step;
  item: string;
  key: string;
}

export const instanceKey = (step: Step, item: string): string => (step.items ? `${step.key}:${item}` : step.key);

export const doneAtOf = (step: Step, record: ClusterRecord, item: string): string | undefined =>
  step.doneAt ? step.doneAt(record, item) : record.progress.steps?.[instanceKey(step, item)];

export function recordDone(step: Step, record: ClusterRecord, at: string, item: string): void {
  if (step.record) {
    step.record(record, at, item);
    return;
  }
  record.progress.steps = { ...record.progress.steps, [instanceKey(step, item)]: at };
}

export const isPlanned = (step: Step, record: ClusterRecord): boolean => step.plannedFor?.(record) ?? true;

export function instancesOf(operation: Operation, record: ClusterRecord): StepInstance[] {
  return operation.steps
    .filter((step) => isPlanned(step, record))
    .flatMap((step) => (step.items ? step.items(record) : ['']).map((item) => ({ step, item, key: instanceKey(step, item) })));
}

/** The reply of a done step: its own, or for a labelled step without one, "<label>". */
export function replyOf(step: Step, record: ClusterRecord, item: string): ThreadEvent | undefined {
  if (step.reply) return step.reply(record, item);
  return step.label ? { kind: 'stepDone', label: step.label(record, item) } : undefined;
}

/** A line of the overview's step list. */
export interface StepLine {
  key: string;
  label: string;
  /** When the step finished (ISO time); absent while pending. */
  doneAt?: string;
}

/** The overview's step list: the provisioning operation's labelled steps, in order. */
export function stepList(lifecycle: Lifecycle, record: ClusterRecord): StepLine[] {
  return instancesOf(lifecycle.provision, record).flatMap(({ step, item, key }) => {
    if (!step.label) return [];
    const doneAt = doneAtOf(step, record, item);
    return [{ key, label: step.label(record, item), ...(doneAt === undefined ? {} : { doneAt }) }];
  });
}

/** Share of steps done, 0–100. */
export function percentDone(steps: readonly StepLine[]): number {
  if (steps.length === 0) return 0;
  return Math.round((steps.filter((s) => s.doneAt !== undefined).length / steps.length) * 100);
}

/** Step keys of the replies the runner adds itself. */
export const TRANSIENT_STEP_PREFIX = 'transient-';
export const RunnerKeys = {
  failed: 'failed',
  /** The n-th warning that Tencent keeps failing with a transient error. */
  transient: (n: number) => `${TRANSIENT_STEP_PREFIX}${n}`,
} as const;

/**
 * The step "Retry the failed step" would run again for a Failed cluster: a pending provisioning step
 * marked retryable for the Tencent action its failure names; undefined when there is none.
 */
export function retryableStep(lifecycle: Lifecycle, record: ClusterRecord): (StepInstance & { label: string }) | undefined {
  if (record.status !== 'Failed' || !record.failure?.action || !record.tkeClusterId) return undefined;
  const action = record.failure.action;
  const found = instancesOf(lifecycle.provision, record).find(
    ({ step, item }) => step.retryable?.action === action && doneAtOf(step, record, item) === undefined,
  );
  return found && found.step.retryable ? { ...found, label: found.step.retryable.label } : undefined;
}

/** The provisioning failure reply of a Failed record: its failure, and the step a retry would run again, if any. */
export function failedReply(lifecycle: Lifecycle, record: ClusterRecord, failure: TencentFailure): ThreadReply {
  const retry = retryableStep(lifecycle, record)?.label;
  return { key: RunnerKeys.failed, event: { kind: 'provisioningFailed', failure, clusterId: record.id, requestedBy: record.requestedBy, ...(retry ? { retry } : {}) } };
}

/**
 * The provisioning replies the record shows as due, in step order (the watcher's steps that are
 * recorded done), and the failure: what a thread opened late gets all at once.
 */
export function repliesDue(lifecycle: Lifecycle, record: ClusterRecord): ThreadReply[] {
  const replies: ThreadReply[] = [];
  for (const { step, item, key } of instancesOf(lifecycle.provision, record)) {
    if (!step.advance || doneAtOf(step, record, item) === undefined) continue;
    const event = replyOf(step, record, item);
    if (event) replies.push({ key, event });
  }
  if (record.status === 'Failed' && record.failure) replies.push(failedReply(lifecycle, record, record.failure));
  return replies;
}

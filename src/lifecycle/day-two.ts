import { awaitsApproval, type ClusterRecord, type DayTwoChange, type DayTwoKind } from '../services/domain/index.js';
import { TencentError } from '../services/tke.js';
import { failureOf } from '../services/tencent-failure.js';
import type { ThreadEvent } from './events.js';
import type { Operation, Step, StepContext, StepTick } from './operation.js';
import { CheckError, during } from './tencent-calls.js';

/**
 * Day-two operations on a Running cluster (scale a pool; later add / remove a pool, upgrade): the
 * one under way is the record's `change`, and the watcher runs its kind's steps below, like
 * provisioning's. Each step is keyed by the operation's id (its `items`), so its reply is posted
 * once per operation. Each Tencent call is written before it is sent and after Tencent answered
 * (`change.calls`, by the CallJournal), so a restart never sends it twice: a call sent without an
 * answer on record is checked against what Tencent reports before it is sent again. The last step
 * writes the result into the spec, clears `change` and tells the user who started it. A lasting
 * Tencent error clears `change` too and is told with its code; the cluster stays Running.
 */

/** Writes a day-two call before it is sent and once Tencent answered (a store write each). */
export interface CallJournal {
  sent(clusterId: string, changeId: string, action: string): Promise<void>;
  answered(clusterId: string, changeId: string, action: string): Promise<void>;
}

/** Thread reply keys of an operation (in the record's `posted`). */
export const DayTwoKeys = {
  failed: (changeId: string) => `day-two-failed:${changeId}`,
  done: (changeId: string) => `day-two-done:${changeId}`,
} as const;

const itemsOf = (record: ClusterRecord): string[] => (record.change ? [record.change.id] : []);
const stepDoneAt = (key: string) => (record: ClusterRecord, item: string) =>
  record.change?.id === item ? record.change.steps[key] : undefined;
const recordStep = (key: string) => (record: ClusterRecord, at: string, item: string) => {
  if (record.change?.id === item) record.change.steps[key] = at;
};

/** A step of the `kind` operations, recorded in `change.steps`. */
function dayTwoStep(kind: DayTwoKind, step: Omit<Step, 'items' | 'plannedFor' | 'records' | 'doneAt' | 'record'>): Step {
  return {
    ...step,
    items: itemsOf,
    plannedFor: (r) => r.change?.kind === kind,
    records: `change.steps['${step.key}']`,
    doneAt: stepDoneAt(step.key),
    record: recordStep(step.key),
  };
}

/**
 * A Tencent call made at most once per operation: skipped when its answer is on record, or when it
 * was sent before a restart and `alreadyApplied` finds its effect at Tencent.
 */
async function callOnce(
  context: StepContext,
  action: string,
  send: () => Promise<void>,
  alreadyApplied: () => Promise<boolean>,
): Promise<void> {
  const change = context.record.change as DayTwoChange;
  const call = change.calls[action];
  if (call?.answeredAt) return;
  if (call && (await alreadyApplied())) return;
  const journal = context.deps.journal;
  if (!journal) throw new Error('day-two operations need a call journal (LifecycleDeps.journal)');
  await journal.sent(context.record.id, change.id, action);
  await during(action, send);
  await journal.answered(context.record.id, change.id, action);
}

/** The operation's end: the result in the record, `change` cleared, the final reply mentioning who started it. */
function finish(clusterId: string, change: DayTwoChange, apply: (record: ClusterRecord) => void, event: ThreadEvent, at: string): StepTick {
  return {
    change: (r) => {
      if (r.change?.id !== change.id) return;
      apply(r);
      r.change = undefined;
    },
    replies: [{ key: DayTwoKeys.done(change.id), event }],
    audit: [{ at, actor: change.startedBy, action: `cluster.${change.kind}.done`, target: clusterId, detail: { operation: change.id } }],
  };
}

const scalePool = (record: ClusterRecord) => {
  const change = record.change;
  if (change?.kind !== 'scalePool') throw new Error('not a scalePool operation');
  return { change, params: change.params };
};

async function poolAtTencent(context: StepContext, nodePoolId: string) {
  const pools = await during('DescribeClusterNodePools', () =>
    context.deps.tke.describeClusterNodePools(context.target, context.record.tkeClusterId as string),
  );
  return pools.find((p) => p.nodePoolId === nodePoolId);
}

const scalePoolSteps: Step[] = [
  dayTwoStep('scalePool', {
    key: 'scale-range',
    /** ModifyClusterNodePool MinNodesNum / MaxNodesNum, when the range changes. */
    advance: async (context) => {
      const { params } = scalePool(context.record);
      if (params.minSize !== params.before.minSize || params.maxSize !== params.before.maxSize) {
        await callOnce(
          context,
          'ModifyClusterNodePool',
          () => context.deps.tke.modifyNodePoolRange(context.target, { clusterId: context.record.tkeClusterId as string, nodePoolId: params.nodePoolId, minSize: params.minSize, maxSize: params.maxSize }),
          async () => {
            const pool = await poolAtTencent(context, params.nodePoolId);
            return pool?.minNodes === params.minSize && pool.maxNodes === params.maxSize;
          },
        );
      }
      return { done: [scalePool(context.record).change.id] };
    },
  }),
  dayTwoStep('scalePool', {
    key: 'scale-requested',
    after: ['scale-range'],
    /** ModifyNodePoolDesiredCapacityAboutAsg DesiredCapacity, when the desired count changes. */
    advance: async (context) => {
      const { change, params } = scalePool(context.record);
      if (params.desiredSize !== params.before.desiredSize) {
        await callOnce(
          context,
          'ModifyNodePoolDesiredCapacityAboutAsg',
          () => context.deps.tke.modifyNodePoolDesired(context.target, { clusterId: context.record.tkeClusterId as string, nodePoolId: params.nodePoolId, desiredSize: params.desiredSize }),
          async () => (await poolAtTencent(context, params.nodePoolId))?.desired === params.desiredSize,
        );
      }
      return { done: [change.id] };
    },
    reply: (record) => {
      const { params } = scalePool(record);
      return { kind: 'poolScaleRequested', pool: params.pool, before: params.before, after: { minSize: params.minSize, desiredSize: params.desiredSize, maxSize: params.maxSize } };
    },
  }),
  dayTwoStep('scalePool', {
    key: 'scale-nodes',
    after: ['scale-requested'],
    afterRecorded: true,
    /** DescribeClusterNodePools: the pool normal with the desired count, every node of it ready. */
    advance: async (context) => {
      const { change, params } = scalePool(context.record);
      const pool = await poolAtTencent(context, params.nodePoolId);
      if (!pool || pool.lifeState !== 'normal' || pool.desired !== params.desiredSize) return undefined;
      if (pool.totalNodes !== params.desiredSize || pool.readyNodes !== params.desiredSize) return undefined;
      const at = context.now.toISOString();
      return finish(
        context.record.id,
        change,
        (r) => {
          const spec = r.spec.workerPools.find((p) => p.name === params.pool);
          if (spec) Object.assign(spec, { minSize: params.minSize, desiredSize: params.desiredSize, maxSize: params.maxSize });
          const progress = r.progress.pools.find((p) => p.name === params.pool);
          if (progress) progress.readyNodes = pool.readyNodes;
        },
        { kind: 'poolScaled', user: change.startedBy, pool: params.pool, readyNodes: pool.readyNodes, minSize: params.minSize, maxSize: params.maxSize, elapsedMs: context.now.getTime() - Date.parse(change.startedAt) },
        at,
      );
    },
  }),
];

const removePool = (record: ClusterRecord) => {
  const change = record.change;
  if (change?.kind !== 'removePool') throw new Error('not a removePool operation');
  return { change, params: change.params };
};

const removePoolSteps: Step[] = [
  dayTwoStep('removePool', {
    key: 'remove-requested',
    /** DeleteClusterNodePool (KeepInstance false: its nodes and their disks go too). */
    advance: async (context) => {
      const { change, params } = removePool(context.record);
      await callOnce(
        context,
        'DeleteClusterNodePool',
        () => context.deps.tke.deleteClusterNodePool(context.target, { clusterId: context.record.tkeClusterId as string, nodePoolId: params.nodePoolId }),
        async () => {
          const pool = await poolAtTencent(context, params.nodePoolId);
          return pool === undefined || pool.lifeState === 'deleting';
        },
      );
      return { done: [change.id] };
    },
    reply: (record) => ({ kind: 'poolRemoveRequested', pool: removePool(record).params.pool }),
  }),
  dayTwoStep('removePool', {
    key: 'remove-gone',
    after: ['remove-requested'],
    afterRecorded: true,
    /** DescribeClusterNodePools no longer lists the pool. */
    advance: async (context) => {
      const { change, params } = removePool(context.record);
      if ((await poolAtTencent(context, params.nodePoolId)) !== undefined) return undefined;
      return finish(
        context.record.id,
        change,
        (r) => {
          r.spec.workerPools = r.spec.workerPools.filter((p) => p.name !== params.pool);
          r.progress.pools = r.progress.pools.filter((p) => p.name !== params.pool);
        },
        { kind: 'poolRemoved', user: change.startedBy, pool: params.pool, elapsedMs: context.now.getTime() - Date.parse(change.startedAt) },
        context.now.toISOString(),
      );
    },
  }),
];

/** Every kind's steps: one more kind is one more entry. */
export const DAY_TWO_STEPS: Record<DayTwoKind, readonly Step[]> = {
  scalePool: scalePoolSteps,
  removePool: removePoolSteps,
};

/**
 * A step's lasting Tencent error ends the operation without failing the cluster: `change` cleared,
 * the failure told (code, message, request id) to the user who started it. Transient errors are
 * thrown on, for the watcher to count and retry.
 */
function endingOnFailure(step: Step): Step {
  const advance = step.advance;
  if (!advance) return step;
  return {
    ...step,
    advance: async (context, pending) => {
      try {
        return await advance(context, pending);
      } catch (error) {
        const cause = error instanceof CheckError ? error.error : error;
        const change = context.record.change;
        if (!(cause instanceof TencentError) || cause.transient || !change) throw error;
        const failure = failureOf(cause, error instanceof CheckError ? error.action : undefined);
        return {
          change: (r) => {
            if (r.change?.id === change.id) r.change = undefined;
          },
          replies: [{ key: DayTwoKeys.failed(change.id), event: { kind: 'dayTwoFailed', user: change.startedBy, operation: change.kind, failure } }],
          audit: [{ at: context.now.toISOString(), actor: change.startedBy, action: `cluster.${change.kind}.failed`, target: context.record.id, detail: { operation: change.id, code: failure.code } }],
        };
      }
    },
  };
}

/** The day-two operation: watched while Running, only for clusters with a `change` under way (not one awaiting approval). */
export const dayTwoOperation: Operation = {
  name: 'dayTwo',
  watches: ['Running'],
  watchedWhen: (record) => record.change !== undefined && !awaitsApproval(record.change),
  guard: ({ tencent }) => (tencent ? undefined : 'skip'),
  failsOnError: false,
  steps: Object.values(DAY_TWO_STEPS).flat().map(endingOnFailure),
};

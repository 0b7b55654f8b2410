import { awaitsApproval, sameMinorVersion, type ClusterRecord, type DayTwoChange, type DayTwoKind, type NodeVersion, type TencentFailure } from '../services/domain/index.js';
import { nodePoolRequest } from '../services/deploy.js';
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

const addPool = (record: ClusterRecord) => {
  const change = record.change;
  if (change?.kind !== 'addPool') throw new Error('not an addPool operation');
  return { change, params: change.params };
};

const addPoolSteps: Step[] = [
  dayTwoStep('addPool', {
    key: 'add-requested',
    /**
     * CreateClusterNodePool, built as Deploy builds a pool's (nodePoolRequest). Tencent's answer (the
     * pool id) is recorded with the tick; a call sent before a restart without its id on record is
     * looked up by the pool's name (TKE refuses no duplicate name, so it is never sent twice).
     */
    advance: async (context) => {
      const { change, params } = addPool(context.record);
      const clusterId = context.record.tkeClusterId as string;
      const recordId = (nodePoolId: string): StepTick => ({
        done: [change.id],
        change: (r) => {
          if (r.change?.id === change.id && r.change.kind === 'addPool') r.change.params.nodePoolId = nodePoolId;
        },
      });
      if (params.nodePoolId) return { done: [change.id] };
      if (change.calls.CreateClusterNodePool) {
        const pools = await during('DescribeClusterNodePools', () => context.deps.tke.describeClusterNodePools(context.target, clusterId));
        const found = pools.find((p) => p.name === params.pool.name);
        if (found) return recordId(found.nodePoolId);
        // Answered but not listed yet: Tencent lists it shortly.
        if (change.calls.CreateClusterNodePool.answeredAt) return undefined;
      }
      const journal = context.deps.journal;
      if (!journal) throw new Error('day-two operations need a call journal (LifecycleDeps.journal)');
      const subnets = await during('DescribeSubnets', () => context.deps.tke.describeSubnets(context.target, context.record.spec.vpcId));
      const request = nodePoolRequest(context.record, clusterId, params.pool, subnets);
      await journal.sent(context.record.id, change.id, 'CreateClusterNodePool');
      const { nodePoolId } = await during('CreateClusterNodePool', () => context.deps.tke.createClusterNodePool(context.target, request));
      await journal.answered(context.record.id, change.id, 'CreateClusterNodePool');
      return recordId(nodePoolId);
    },
    reply: (record) => {
      const { pool } = addPool(record).params;
      return { kind: 'poolAddRequested', pool: pool.name, instanceType: pool.instanceType, sizes: { minSize: pool.minSize, desiredSize: pool.desiredSize, maxSize: pool.maxSize }, zones: pool.zones };
    },
  }),
  dayTwoStep('addPool', {
    key: 'add-nodes',
    after: ['add-requested'],
    afterRecorded: true,
    /** DescribeClusterNodePools: the new pool normal, with its desired nodes all there and ready. */
    advance: async (context) => {
      const { change, params } = addPool(context.record);
      const nodePoolId = params.nodePoolId as string;
      const pool = await poolAtTencent(context, nodePoolId);
      const desired = params.pool.desiredSize;
      if (!pool || pool.lifeState !== 'normal' || pool.totalNodes !== desired || pool.readyNodes !== desired) return undefined;
      const at = context.now.toISOString();
      return finish(
        context.record.id,
        change,
        (r) => {
          if (r.spec.workerPools.some((p) => p.name === params.pool.name)) return;
          r.spec.workerPools.push(structuredClone(params.pool));
          r.progress.pools = r.progress.pools.filter((p) => p.name !== params.pool.name);
          r.progress.pools.push({ name: params.pool.name, nodePoolId, requestedAt: change.startedAt, readyAt: at, readyNodes: pool.readyNodes });
        },
        { kind: 'poolAdded', user: change.startedBy, pool: params.pool.name, readyNodes: pool.readyNodes, elapsedMs: context.now.getTime() - Date.parse(change.startedAt) },
        at,
      );
    },
  }),
];

const upgrade = (record: ClusterRecord) => {
  const change = record.change;
  if (change?.kind !== 'upgrade') throw new Error('not an upgrade operation');
  return { change, params: change.params };
};

/** The upgrade's worker node batches, by item (`<operation id>#<n>`): `maxUnavailable` nodes each, in the order Tencent listed them. */
function upgradeBatches(record: ClusterRecord): Map<string, NodeVersion[]> {
  const batches = new Map<string, NodeVersion[]>();
  if (record.change?.kind !== 'upgrade') return batches;
  const { id, params } = record.change;
  const nodes = params.nodes ?? [];
  for (let i = 0; i < nodes.length; i += params.maxUnavailable) batches.set(`${id}#${batches.size + 1}`, nodes.slice(i, i + params.maxUnavailable));
  return batches;
}

/** What GetUpgradeInstanceProgress calls a task or node that will not finish. */
const UPGRADE_STOPPED = new Set(['timeout', 'aborted', 'paused', 'pauing', 'failed']);

/** An operation ended by what Tencent reports (not a refused call): `change` cleared, the failure told to who started it. */
function endedTick(context: StepContext, change: DayTwoChange, failure: TencentFailure): StepTick {
  return {
    change: (r) => {
      if (r.change?.id === change.id) r.change = undefined;
    },
    replies: [{ key: DayTwoKeys.failed(change.id), event: { kind: 'dayTwoFailed', user: change.startedBy, operation: change.kind, failure } }],
    audit: [{ at: context.now.toISOString(), actor: change.startedBy, action: `cluster.${change.kind}.failed`, target: context.record.id, detail: { operation: change.id, code: failure.code } }],
  };
}

/** The versions the record shows once these nodes are at `version`. */
const withNodesAt = (record: ClusterRecord, controlPlane: string, nodes: readonly NodeVersion[]) => {
  const known = new Map((record.kubernetes?.nodes ?? []).map((n) => [n.instanceId, n.version]));
  for (const node of nodes) known.set(node.instanceId, node.version);
  record.kubernetes = { controlPlane, nodes: [...known].map(([instanceId, version]) => ({ instanceId, version })) };
};

const UPGRADE_BATCH = 'upgrade-batch';

const upgradeSteps: Step[] = [
  {
    ...dayTwoStep('upgrade', {
      key: 'upgrade-approval',
      /** The project's approval rule held it: nothing is sent to Tencent until someone approved it. */
      advance: async (context) => {
        const { change } = upgrade(context.record);
        return Promise.resolve(change.approval?.approved ? { done: [change.id] } : undefined);
      },
    }),
    plannedFor: (r) => r.change?.kind === 'upgrade' && r.change.approval !== undefined,
  },
  dayTwoStep('upgrade', {
    key: 'upgrade-control-plane',
    after: ['upgrade-approval'],
    /** UpdateClusterVersion DstVersion: the control plane first. */
    advance: async (context) => {
      const { change, params } = upgrade(context.record);
      await callOnce(
        context,
        'UpdateClusterVersion',
        () => context.deps.tke.updateClusterVersion(context.target, { clusterId: context.record.tkeClusterId as string, version: params.to }),
        async () => Promise.resolve(context.tencent?.status === 'Upgrading' || sameMinorVersion(context.tencent?.version, params.to)),
      );
      return { done: [change.id] };
    },
    reply: (record) => {
      const { params } = upgrade(record);
      return { kind: 'upgradeControlPlaneRequested', from: params.from, to: params.to, upgradeType: params.upgradeType, maxUnavailable: params.maxUnavailable };
    },
  }),
  dayTwoStep('upgrade', {
    key: 'upgrade-control-plane-ready',
    after: ['upgrade-control-plane'],
    afterRecorded: true,
    /** DescribeClusters: Running again, its ClusterVersion the new one. */
    advance: async (context) => {
      const { change, params } = upgrade(context.record);
      const tencent = context.tencent;
      if (tencent?.status !== 'Running' || !sameMinorVersion(tencent.version, params.to)) return undefined;
      const version = tencent.version ?? params.to;
      return Promise.resolve({ done: [change.id], change: (r: ClusterRecord) => withNodesAt(r, version, []) });
    },
    reply: (record) => ({ kind: 'upgradeControlPlaneReady', version: record.kubernetes?.controlPlane ?? upgrade(record).params.to }),
  }),
  dayTwoStep('upgrade', {
    key: 'upgrade-nodes-checked',
    after: ['upgrade-control-plane-ready'],
    afterRecorded: true,
    /** CheckInstancesUpgradeAble: the worker nodes behind the control plane, recorded once. */
    advance: async (context) => {
      const { change, params } = upgrade(context.record);
      const found = await during('CheckInstancesUpgradeAble', () =>
        context.deps.tke.checkInstancesUpgradeAble(context.target, { clusterId: context.record.tkeClusterId as string, upgradeType: params.upgradeType }),
      );
      return {
        done: [change.id],
        change: (r) => {
          if (r.change?.id !== change.id || r.change.kind !== 'upgrade') return;
          r.change.params.nodes = found.nodes;
          withNodesAt(r, r.kubernetes?.controlPlane ?? params.to, found.nodes);
        },
      };
    },
  }),
  dayTwoStep('upgrade', {
    key: 'upgrade-nodes-requested',
    after: ['upgrade-nodes-checked'],
    afterRecorded: true,
    /** UpgradeClusterInstances Operation create, the chosen UpgradeType, Concurrent = max unavailable. */
    advance: async (context) => {
      const { change, params } = upgrade(context.record);
      const instanceIds = (params.nodes ?? []).map((n) => n.instanceId);
      if (instanceIds.length > 0) {
        await callOnce(
          context,
          'UpgradeClusterInstances',
          () =>
            context.deps.tke.upgradeClusterInstances(context.target, {
              clusterId: context.record.tkeClusterId as string,
              upgradeType: params.upgradeType,
              instanceIds,
              concurrent: params.maxUnavailable,
            }),
          async () => {
            const progress = await during('GetUpgradeInstanceProgress', () => context.deps.tke.getUpgradeInstanceProgress(context.target, context.record.tkeClusterId as string));
            const listed = new Set(progress.nodes.map((n) => n.instanceId));
            return instanceIds.every((id) => listed.has(id));
          },
        );
      }
      return { done: [change.id] };
    },
    reply: (record) => {
      const { params } = upgrade(record);
      return { kind: 'upgradeNodesRequested', nodes: params.nodes?.length ?? 0, batches: upgradeBatches(record).size, version: params.to, upgradeType: params.upgradeType, maxUnavailable: params.maxUnavailable };
    },
  }),
  {
    key: UPGRADE_BATCH,
    items: (record) => [...upgradeBatches(record).keys()],
    plannedFor: (record) => record.change?.kind === 'upgrade',
    records: `change.steps['${UPGRADE_BATCH}:<operation id>#<n>']`,
    doneAt: (record, item) => (record.change && item.startsWith(`${record.change.id}#`) ? record.change.steps[`${UPGRADE_BATCH}:${item}`] : undefined),
    record: (record, at, item) => {
      if (record.change && item.startsWith(`${record.change.id}#`)) record.change.steps[`${UPGRADE_BATCH}:${item}`] = at;
    },
    after: ['upgrade-nodes-requested'],
    afterRecorded: true,
    /** GetUpgradeInstanceProgress: a batch is done when each of its nodes is; a stopped task ends the upgrade. */
    advance: async (context, pending) => {
      const { change, params } = upgrade(context.record);
      const progress = await during('GetUpgradeInstanceProgress', () => context.deps.tke.getUpgradeInstanceProgress(context.target, context.record.tkeClusterId as string));
      const stateOf = new Map(progress.nodes.map((n) => [n.instanceId, n.lifeState]));
      const batches = upgradeBatches(context.record);
      const stopped = [...batches.values()].flat().filter((n) => UPGRADE_STOPPED.has(stateOf.get(n.instanceId) ?? ''));
      if (stopped.length > 0 || UPGRADE_STOPPED.has(progress.lifeState)) {
        const lifeState = UPGRADE_STOPPED.has(progress.lifeState) ? progress.lifeState : (stateOf.get(stopped[0]?.instanceId ?? '') ?? '');
        const notDone = [...batches.values()].flat().filter((n) => stateOf.get(n.instanceId) !== 'done').map((n) => n.instanceId);
        return endedTick(context, change, {
          code: `NodeUpgrade.${lifeState}`,
          message: `GetUpgradeInstanceProgress reports the node upgrade ${lifeState}; not upgraded: ${notDone.join(', ') || 'none'}.`,
          action: 'GetUpgradeInstanceProgress',
        });
      }
      const done = pending.filter((item) => (batches.get(item) ?? []).every((n) => stateOf.get(n.instanceId) === 'done'));
      if (done.length === 0) return undefined;
      const upgraded = done.flatMap((item) => batches.get(item) ?? []).map((n) => ({ instanceId: n.instanceId, version: params.to }));
      return { done, change: (r) => withNodesAt(r, r.kubernetes?.controlPlane ?? params.to, upgraded) };
    },
    reply: (record, item) => {
      const batches = upgradeBatches(record);
      const nodes = batches.get(item) ?? [];
      return { kind: 'upgradeBatchDone', batch: [...batches.keys()].indexOf(item) + 1, batches: batches.size, instanceIds: nodes.map((n) => n.instanceId), version: upgrade(record).params.to };
    },
  },
  dayTwoStep('upgrade', {
    key: 'upgrade-done',
    after: ['upgrade-nodes-requested', UPGRADE_BATCH],
    afterRecorded: true,
    /** Every batch done: the version everywhere, the plan updated, the user told. */
    advance: async (context) => {
      const { change, params } = upgrade(context.record);
      const nodes = params.nodes ?? [];
      return Promise.resolve(
        finish(
          context.record.id,
          change,
          (r) => {
            withNodesAt(r, r.kubernetes?.controlPlane ?? params.to, nodes.map((n) => ({ instanceId: n.instanceId, version: params.to })));
            if (r.plan) r.plan.kubernetesVersion = params.to;
          },
          { kind: 'upgraded', user: change.startedBy, from: params.from, version: params.to, nodes: nodes.length, elapsedMs: context.now.getTime() - Date.parse(change.startedAt) },
          context.now.toISOString(),
        ),
      );
    },
  }),
];

/** Every kind's steps: one more kind is one more entry. */
export const DAY_TWO_STEPS: Record<DayTwoKind, readonly Step[]> = {
  scalePool: scalePoolSteps,
  removePool: removePoolSteps,
  addPool: addPoolSteps,
  upgrade: upgradeSteps,
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

/**
 * Day-two changes of a Running cluster's worker pools. Starting one writes it on the cluster record
 * (`change`) in one repository update that first checks no other operation runs, so two people
 * clicking at once start one; the watcher runs it (src/lifecycle/day-two.ts) and tells the thread.
 */
import { randomBytes } from 'node:crypto';
import type { CallJournal } from '../lifecycle/day-two.js';
import type { AccountService } from './accounts.js';
import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import type { ClusterRecord, DayTwoRefusal, WorkerPoolSpec } from './domain/index.js';
import type { ClusterRepository } from './repositories/repositories.js';
import type { NodePool, TkeGateway } from './tke.js';

export type PoolSizes = Pick<WorkerPoolSpec, 'minSize' | 'desiredSize' | 'maxSize'>;

/** A worker pool as the scale form shows it: tkeops' spec and what Tencent reports now. */
export interface PoolNow {
  spec: WorkerPoolSpec;
  nodePoolId?: string | undefined;
  /** DescribeClusterNodePools' answer for it; undefined when Tencent did not report it. */
  tencent?: NodePool | undefined;
}

export type StartResult = { ok: true; cluster: ClusterRecord } | { ok: false; refusal: DayTwoRefusal };

export interface PoolChangeService {
  /** Why no day-two operation can start on the cluster now, or undefined. */
  changeRefusal(cluster: ClusterRecord): DayTwoRefusal | undefined;
  /** The cluster's pools with what Tencent reports for them (one DescribeClusterNodePools). */
  poolsNow(cluster: ClusterRecord): Promise<PoolNow[]>;
  /** Starts scaling `pool` to `sizes` (the watcher does the rest), unless another operation runs. */
  startScale(clusterId: string, user: string, pool: string, sizes: PoolSizes): Promise<StartResult>;
  /** Where day-two steps write their Tencent calls. */
  journal: CallJournal;
}

export interface PoolChangeDeps {
  clusters: Pick<ClusterRepository, 'get' | 'update'>;
  tke: Pick<TkeGateway, 'describeClusterNodePools'>;
  accounts: Pick<AccountService, 'credentialFor'>;
  clock: Clock;
  audit: Audit;
}

export function createPoolChangeService(deps: PoolChangeDeps): PoolChangeService {
  const now = () => deps.clock.now();

  function changeRefusal(cluster: ClusterRecord): DayTwoRefusal | undefined {
    if (cluster.change) {
      const { kind, startedBy, startedAt } = cluster.change;
      return { kind: 'changeInProgress', running: kind, startedBy, startedAt, ageMs: now().getTime() - Date.parse(startedAt) };
    }
    if (cluster.status !== 'Running' || !cluster.tkeClusterId) return { kind: 'notRunning', status: cluster.status };
    return undefined;
  }

  const writeCall = (clusterId: string, changeId: string, action: string, field: 'sentAt' | 'answeredAt') =>
    deps.clusters.update(clusterId, (record) => {
      if (record.change?.id !== changeId) return;
      const at = now().toISOString();
      const call = record.change.calls[action];
      record.change.calls[action] = field === 'sentAt' ? { sentAt: at } : { sentAt: call?.sentAt ?? at, answeredAt: at };
    });

  return {
    changeRefusal,

    async poolsNow(cluster) {
      const target = { credential: deps.accounts.credentialFor(cluster.spec.accountId), region: cluster.spec.region };
      const reported = cluster.tkeClusterId ? await deps.tke.describeClusterNodePools(target, cluster.tkeClusterId) : [];
      return cluster.spec.workerPools.map((spec) => {
        const nodePoolId = cluster.progress.pools.find((p) => p.name === spec.name)?.nodePoolId;
        return { spec, nodePoolId, tencent: reported.find((p) => p.nodePoolId === nodePoolId) };
      });
    },

    async startScale(clusterId, user, pool, sizes) {
      let refusal: DayTwoRefusal | undefined;
      const at = now().toISOString();
      const id = `scale-${randomBytes(6).toString('hex')}`;
      const cluster = await deps.clusters.update(clusterId, (record) => {
        refusal = changeRefusal(record);
        if (refusal) return;
        const spec = record.spec.workerPools.find((p) => p.name === pool);
        const nodePoolId = record.progress.pools.find((p) => p.name === pool)?.nodePoolId;
        if (!spec || !nodePoolId) {
          refusal = { kind: 'noSuchPool', pool, pools: record.spec.workerPools.map((p) => p.name) };
          return;
        }
        record.change = {
          id,
          kind: 'scalePool',
          startedBy: user,
          startedAt: at,
          steps: {},
          calls: {},
          params: { pool, nodePoolId, ...sizes, before: { minSize: spec.minSize, desiredSize: spec.desiredSize, maxSize: spec.maxSize } },
        };
      });
      if (!cluster) return { ok: false, refusal: { kind: 'notRunning', status: 'Deleted' } };
      if (refusal) return { ok: false, refusal };
      await deps.audit.record(user, 'cluster.scalePool', clusterId, { operation: id, pool, ...sizes });
      return { ok: true, cluster };
    },

    journal: {
      sent: async (clusterId, changeId, action) => void (await writeCall(clusterId, changeId, action, 'sentAt')),
      answered: async (clusterId, changeId, action) => void (await writeCall(clusterId, changeId, action, 'answeredAt')),
    },
  };
}

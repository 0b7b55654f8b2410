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
import { checkAddedPool, type Checked } from './cluster-spec.js';
import { awaitsApproval, type AuditEntry, type ChangeApproval, type ClusterRecord, type DayTwoChange, type DayTwoRefusal, type WizardOptions, type WizardPoolForm, type WorkerPoolSpec } from './domain/index.js';
import { isOsImage } from './domain/rules.js';
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
  /**
   * Starts scaling `pool` to `sizes` (the watcher does the rest), unless another operation runs;
   * with `approval`, recorded as awaiting it (src/services/change-approval.ts).
   */
  startScale(clusterId: string, user: string, pool: string, sizes: PoolSizes, approval?: ChangeApproval): Promise<StartResult>;
  /** Starts removing `pool` (DeleteClusterNodePool), unless it is the last one or another operation runs. */
  startRemove(clusterId: string, user: string, pool: string): Promise<StartResult>;
  /** Why `pool` cannot be removed from the cluster, or undefined. */
  removeRefusal(cluster: ClusterRecord, pool: string): DayTwoRefusal | undefined;
  /**
   * What the add-pool form offers for the cluster: its VPC's subnets (the zones) and the instance
   * types sold there, as the wizard loads them (WizardOptions, so the wizard's pool form draws it).
   */
  addPoolChoices(cluster: ClusterRecord): Promise<WizardOptions>;
  /** The wizard's pool rules for a pool added to the cluster (its VPC, its OS image, a new name). */
  checkAddPool(cluster: ClusterRecord, form: WizardPoolForm, options: WizardOptions): Checked<WorkerPoolSpec>;
  /** Starts adding `pool` (CreateClusterNodePool; the watcher does the rest), unless another operation runs. */
  startAdd(clusterId: string, user: string, pool: WorkerPoolSpec): Promise<StartResult>;
  /** Where day-two steps write their Tencent calls. */
  journal: CallJournal;
}

export interface PoolChangeDeps {
  clusters: Pick<ClusterRepository, 'get' | 'update'>;
  tke: Pick<TkeGateway, 'describeClusterNodePools' | 'describeZones' | 'describeSubnets' | 'describeInstanceTypeConfigs'>;
  accounts: Pick<AccountService, 'credentialFor'>;
  clock: Clock;
  audit: Audit;
}

export function createPoolChangeService(deps: PoolChangeDeps): PoolChangeService {
  const now = () => deps.clock.now();

  function changeRefusal(cluster: ClusterRecord): DayTwoRefusal | undefined {
    if (cluster.change) {
      const { kind, startedBy, startedAt, params } = cluster.change;
      const awaiting = awaitsApproval(cluster.change) && 'pool' in params && typeof params.pool === 'string' ? { awaitingApproval: { pool: params.pool } } : {};
      return { kind: 'changeInProgress', running: kind, startedBy, startedAt, ageMs: now().getTime() - Date.parse(startedAt), ...awaiting };
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

  /** Why `pool` cannot be removed: not there (or never created), or the last one. */
  function removeRefusal(cluster: ClusterRecord, pool: string): DayTwoRefusal | undefined {
    const pools = cluster.spec.workerPools.map((p) => p.name);
    if (!pools.includes(pool) || !cluster.progress.pools.some((p) => p.name === pool && p.nodePoolId)) return { kind: 'noSuchPool', pool, pools };
    if (pools.length === 1) return { kind: 'lastPool', pool };
    return undefined;
  }

  type Planned = (
    | { kind: 'scalePool'; params: Extract<DayTwoChange, { kind: 'scalePool' }>['params'] }
    | { kind: 'removePool'; params: Extract<DayTwoChange, { kind: 'removePool' }>['params'] }
    | { kind: 'addPool'; params: Extract<DayTwoChange, { kind: 'addPool' }>['params'] }
  ) & { detail: AuditEntry['detail'] };

  /**
   * Writes the operation on the record in one update that first checks none runs (two clicks at
   * once start one), then audits it.
   */
  async function start(clusterId: string, user: string, prefix: string, plan: (record: ClusterRecord) => Planned | DayTwoRefusal, approval?: ChangeApproval): Promise<StartResult> {
    let refusal: DayTwoRefusal | undefined;
    let planned: Planned | undefined;
    const at = now().toISOString();
    const id = `${prefix}-${randomBytes(6).toString('hex')}`;
    const cluster = await deps.clusters.update(clusterId, (record) => {
      refusal = changeRefusal(record);
      if (refusal) return;
      const result = plan(record);
      if (!('detail' in result)) {
        refusal = result;
        return;
      }
      planned = result;
      const base = { id, startedBy: user, startedAt: at, steps: {}, calls: {}, ...(approval ? { approval } : {}) };
      const { detail: _detail, ...operation } = result;
      record.change = { ...base, ...operation };
    });
    if (!cluster) return { ok: false, refusal: { kind: 'notRunning', status: 'Deleted' } };
    if (refusal || !planned) return { ok: false, refusal: refusal ?? { kind: 'notRunning', status: cluster.status } };
    await deps.audit.record(user, `cluster.${planned.kind}`, clusterId, { operation: id, ...planned.detail });
    return { ok: true, cluster };
  }

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

    startScale: (clusterId, user, pool, sizes, approval) =>
      start(clusterId, user, 'scale', (record) => {
        const spec = record.spec.workerPools.find((p) => p.name === pool);
        const nodePoolId = record.progress.pools.find((p) => p.name === pool)?.nodePoolId;
        if (!spec || !nodePoolId) return { kind: 'noSuchPool', pool, pools: record.spec.workerPools.map((p) => p.name) };
        return {
          kind: 'scalePool',
          params: { pool, nodePoolId, ...sizes, before: { minSize: spec.minSize, desiredSize: spec.desiredSize, maxSize: spec.maxSize } },
          detail: { pool, ...sizes, ...(approval ? { awaitsApproval: true } : {}) },
        };
      }, approval),

    startRemove: (clusterId, user, pool) =>
      start(clusterId, user, 'remove', (record) => {
        const refusal = removeRefusal(record, pool);
        if (refusal) return refusal;
        const nodePoolId = record.progress.pools.find((p) => p.name === pool)?.nodePoolId as string;
        return { kind: 'removePool', params: { pool, nodePoolId }, detail: { pool } };
      }),

    removeRefusal,

    async addPoolChoices(cluster) {
      const { spec } = cluster;
      const target = { credential: deps.accounts.credentialFor(spec.accountId), region: spec.region };
      const [zones, subnets] = await Promise.all([deps.tke.describeZones(target), deps.tke.describeSubnets(target, spec.vpcId)]);
      const subnetZones = [...new Set(subnets.map((s) => s.zone))];
      const types = subnetZones.length > 0 ? await deps.tke.describeInstanceTypeConfigs(target, subnetZones) : [];
      return {
        accountId: spec.accountId,
        region: spec.region,
        zones: zones.map((z) => ({ zone: z.zone, name: z.name })),
        vpcId: spec.vpcId,
        subnets: subnets.map((s) => ({ subnetId: s.subnetId, vpcId: s.vpcId, name: s.name, zone: s.zone, cidr: s.cidr })),
        instanceTypes: types.map((t) => ({ instanceType: t.instanceType, zone: t.zone, cpu: t.cpu, memoryGb: t.memoryGb, gpu: t.gpu })),
      };
    },

    checkAddPool: (cluster, form, options) =>
      checkAddedPool(form, options, {
        vpcId: cluster.spec.vpcId,
        image: isOsImage(cluster.plan?.os) ? cluster.plan.os : undefined,
        pools: cluster.spec.workerPools.map((p) => p.name),
      }),

    startAdd: (clusterId, user, pool) =>
      start(clusterId, user, 'add', (record) => {
        const taken = record.spec.workerPools.find((p) => p.name.toLowerCase() === pool.name.toLowerCase());
        if (taken) return { kind: 'poolExists', pool: taken.name };
        return { kind: 'addPool', params: { pool }, detail: { pool: pool.name, instanceType: pool.instanceType, minSize: pool.minSize, desiredSize: pool.desiredSize, maxSize: pool.maxSize } };
      }),

    journal: {
      sent: async (clusterId, changeId, action) => void (await writeCall(clusterId, changeId, action, 'sentAt')),
      answered: async (clusterId, changeId, action) => void (await writeCall(clusterId, changeId, action, 'answeredAt')),
    },
  };
}

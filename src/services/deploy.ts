/**
 * Deploy: turns a validated wizard draft into TKE calls.
 *
 * `deploy({ draftId, spec, user })` runs exactly once per draft: the cluster repository records a
 * new cluster (status Creating, keyed by the draft) only when the draft has none and the name is
 * free, in one write, before anything is sent to Tencent; a retry finds the cluster the draft
 * already became (`created: false`). The draft is linked to it next (a crash in between loses
 * nothing: the cluster is found by its draft id). The spec comes as a value, validated by the
 * wizard (WizardService.checkDeploy); it is not read back from the draft.
 *
 * The steps that need a Running cluster (endpoints, worker pools, add-ons) are ProvisioningSteps,
 * called by the watcher. Each is idempotent: progress is written to the cluster record as it
 * goes, a finished step returns at once, and a step interrupted by a restart looks at what
 * Tencent already has before creating anything again. A failed Tencent call is thrown (as the
 * gateway's TencentError) after the progress made so far is saved; the caller decides whether
 * to retry or to mark the cluster failed.
 */
import { randomBytes } from 'node:crypto';
import { transition } from '../lifecycle/states.js';
import type { AccountService } from './accounts.js';
import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import { TKEOPS_TAG_KEY } from './domain/rules.js';
import { expiryOf } from './domain/expiry.js';
import type { Logger } from './logger.js';
import { applyOverrides, chartPackageUrl, osImageOf } from './profiles.js';
import type { NetworkLayer, Profile, ProfileCatalog } from './profiles.js';
import type { ClusterRecord, ClusterSpec, CostEstimate, DeployPlan } from './domain/index.js';
import type { ClusterRepository, DraftRepository } from './repositories/repositories.js';
import type { ProvisioningThreads } from './threads.js';
import { approvalNeeded, DEFAULT_APPROVAL_TIMEOUT_MS } from './approval-rules.js';
import type { ApprovalRule } from './policy-types.js';
import { failureOf } from './tencent-failure.js';
import type { CreateClusterInput, CreateNodePoolInput, EndpointAccess, RuntimeChoice, Subnet, Tag, TkeGateway, TkeTarget } from './tke.js';

export interface DeployResult {
  cluster: ClusterRecord;
  /** False when the draft had already become this cluster (a retry or a second submit). */
  created: boolean;
  /** False when its root message, posted before CreateCluster, was refused by Slack (e.g. not_in_channel). */
  announced?: boolean;
}

export type DeployErrorReason = 'draft_not_found' | 'profile_invalid' | 'name_taken';

/** Deploy refused before any cluster was recorded. */
export class DeployError extends Error {
  constructor(readonly reason: DeployErrorReason, message: string) {
    super(message);
    this.name = 'DeployError';
  }
}

/** A wizard draft's validated spec, handed to Deploy as a value. */
export interface DeployRequest {
  /** The draft the cluster comes from: the exactly-once key, and where its project and channel are read. */
  draftId: string;
  spec: ClusterSpec;
  /** Who pressed Deploy. */
  user: string;
  /** The price the wizard's review showed for this spec, kept on the cluster (its root message shows it). */
  estimate?: CostEstimate | undefined;
}

export interface DeployService {
  /**
   * Records the cluster and calls CreateCluster; when the project's approval rule applies, records
   * it AwaitingApproval instead and calls nothing (see src/services/approval.ts).
   */
  deploy(request: DeployRequest): Promise<DeployResult>;
  /**
   * CreateCluster for a cluster its approver just moved from AwaitingApproval to Creating (the
   * approval's claim is the exactly-once key: call it only after winning it).
   */
  createApproved(clusterId: string): Promise<ClusterRecord>;
}

export interface ProvisioningSteps {
  /**
   * CreateClusterEndpoint for one endpoint (the private one in the spec's subnet), unless Tencent
   * already has it. The watcher asks for the public one only once the private one is Created.
   */
  requestEndpoint(clusterId: string, access: EndpointAccess): Promise<void>;
  /** ModifyClusterEndpointSP: restricts the Created public endpoint to the spec's CIDRs, once. */
  restrictPublicEndpoint(clusterId: string): Promise<void>;
  /** CreateClusterNodePool per worker pool: all at once with "update in parallel", else one by one. */
  createWorkerPools(clusterId: string): Promise<void>;
  /** CreateClusterRelease per add-on pack of the plan (a Helm release named after the pack), with the merged values. */
  installAddons(clusterId: string): Promise<void>;
}

export interface DeployDeps {
  clusters: ClusterRepository;
  drafts: DraftRepository;
  tke: TkeGateway;
  accounts: Pick<AccountService, 'credentialFor'>;
  profiles: ProfileCatalog;
  clock: Clock;
  audit: Audit;
  logger: Logger;
  /** The approval rule for creating a cluster in a project (the policy's); none: never asked. */
  approvalRule?: ((project: string | undefined) => ApprovalRule | undefined) | undefined;
  /** How long an approval request stays open (APPROVAL_TIMEOUT_HOURS); default 24 hours. */
  approvalTimeoutMs?: number | undefined;
  /** The provisioning thread: its root message is posted before CreateCluster, then edited with the outcome. */
  threads?: Pick<ProvisioningThreads, 'announce' | 'refreshRoot'> | undefined;
}


/** The tags tkeops puts on the cluster and its worker pools: the user's plus its own. */
export const resourceTags = (cluster: Pick<ClusterRecord, 'id' | 'spec'>): Tag[] => [
  ...cluster.spec.tags,
  { key: TKEOPS_TAG_KEY, value: cluster.id },
];

/** Resolves the profile with the spec's overrides into what the cluster will run. */
export function planFor(spec: ClusterSpec, profile: Profile): DeployPlan & { runtime: RuntimeChoice } {
  const resolved = applyOverrides(profile, spec.packOverrides);
  if (!resolved.ok) throw new DeployError('profile_invalid', resolved.errors.map((e) => e.message).join('\n'));
  const { version, containerRuntime, runtimeVersion } = resolved.profile.layers.kubernetes;
  return {
    os: osImageOf(resolved.profile),
    kubernetesVersion: version,
    runtime: { containerRuntime, ...(runtimeVersion === undefined ? {} : { runtimeVersion }) },
    ...(resolved.profile.deletionProtection ? { deletionProtection: true } : {}),
    addons: resolved.profile.layers.addons.map((a) => ({
      name: a.name,
      chart: a.chart,
      version: a.version,
      repository: a.repository,
      namespace: a.namespace,
      package: chartPackageUrl(a),
      values: a.values,
    })),
  };
}

/**
 * CreateClusterNodePool's request for one of the cluster's worker pools, as Deploy sends it and as a
 * pool added later is sent: the VPC's subnets in the pool's zones, the cluster's key pair, OS image,
 * runtime and tags.
 */
export function nodePoolRequest(
  cluster: Pick<ClusterRecord, 'id' | 'spec' | 'plan'>,
  tkeClusterId: string,
  pool: ClusterSpec['workerPools'][number],
  subnets: readonly Subnet[],
): CreateNodePoolInput {
  const { spec } = cluster;
  const os = cluster.plan?.os;
  if (!os) throw new Error(`cluster ${spec.name} has no deploy plan`);
  const subnetIds = poolSubnetIds(spec, pool.zones, subnets);
  if (subnetIds.length === 0) throw new Error(`worker pool ${pool.name}: VPC ${spec.vpcId} has no subnet in ${pool.zones.join(', ')}`);
  return {
    clusterId: tkeClusterId,
    name: pool.name,
    minSize: pool.minSize,
    maxSize: pool.maxSize,
    desiredSize: pool.desiredSize,
    vpcId: spec.vpcId,
    subnetIds,
    instanceType: pool.instanceType,
    systemDiskGb: pool.diskGb,
    keyIds: [spec.keyPairId],
    os,
    tags: resourceTags(cluster),
    runtime: cluster.plan?.runtime,
  };
}

/**
 * Subnets a worker pool's nodes go in: in each of its zones, the subnet chosen in the wizard when
 * it is in that zone, otherwise every subnet of the VPC in that zone.
 */
export function poolSubnetIds(spec: Pick<ClusterSpec, 'subnetId'>, zones: readonly string[], subnets: readonly Subnet[]): string[] {
  return zones.flatMap((zone) => {
    const inZone = subnets.filter((s) => s.zone === zone);
    return inZone.some((s) => s.subnetId === spec.subnetId) ? [spec.subnetId] : inZone.map((s) => s.subnetId);
  });
}

export function createDeployService(deps: DeployDeps): DeployService {
  const { tke, clock, logger } = deps;

  const setCluster = async (id: string, change: (cluster: ClusterRecord) => void) => {
    const cluster = await deps.clusters.update(id, change);
    if (!cluster) throw new Error(`cluster ${id} is not in the store`);
    return cluster;
  };

  /** The profile's network layer; VPC-CNI pods use the chosen subnet and the subnets of the pools' nodes. */
  async function containerNetwork(target: TkeTarget, spec: ClusterSpec, layer: NetworkLayer): Promise<CreateClusterInput['network']> {
    const serviceCidr = layer.serviceCidr ? { serviceCidr: layer.serviceCidr } : {};
    if (layer.mode === 'GR') return { mode: 'GR', clusterCidr: layer.clusterCidr, ...serviceCidr };
    const subnets = await tke.describeSubnets(target, spec.vpcId);
    const zones = [...new Set(spec.workerPools.flatMap((p) => p.zones))];
    return { mode: 'VPC-CNI', subnetIds: [...new Set([spec.subnetId, ...poolSubnetIds(spec, zones, subnets)])], ...serviceCidr };
  }

  return {
    async deploy({ draftId, spec, user, estimate }) {
      const earlier = await deps.clusters.findByDraft(draftId);
      if (earlier) return { cluster: earlier, created: false };

      const draft = await deps.drafts.get(draftId);
      if (!draft) throw new DeployError('draft_not_found', 'This wizard has expired; run /tke create again.');
      const profile = deps.profiles.get(spec.profile);
      if (!profile) throw new DeployError('profile_invalid', `The cluster profile ${spec.profile} no longer exists.`);
      const plan = planFor(spec, profile);
      const network = profile.layers.network;

      const now = clock.now().toISOString();
      const cluster: ClusterRecord = {
        id: `c${randomBytes(6).toString('hex')}`,
        draftId,
        spec,
        ...(draft.project === undefined ? {} : { project: draft.project }),
        channel: draft.channel,
        requestedBy: user,
        createdAt: now,
        status: 'Creating',
        progress: { pools: [], addons: [] },
        posted: [],
        transientErrors: 0,
        plan,
        ...(estimate ? { estimate } : {}),
        ...expiryOf(spec.expiry, user, clock.now()),
      };
      const rule = deps.approvalRule?.(draft.project);
      const reason = rule && approvalNeeded(rule, estimate);
      if (rule && reason) {
        cluster.status = 'AwaitingApproval';
        cluster.approval = {
          approvers: rule.approvers,
          reason,
          requestedAt: now,
          expiresAt: new Date(clock.now().getTime() + (deps.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS)).toISOString(),
        };
      }
      const inserted = await deps.clusters.insert(cluster);
      if (!inserted.ok && inserted.conflict === 'draft') return { cluster: inserted.existing, created: false };
      if (!inserted.ok) throw new DeployError('name_taken', `A cluster named ${spec.name} already exists in this project.`);
      await deps.drafts.update(draftId, (d) => {
        d.clusterId = cluster.id;
        d.updatedAt = now;
      });

      await deps.audit.record(user, 'cluster.create', cluster.id, {
        name: spec.name,
        profile: spec.profile,
        region: spec.region,
        account: spec.accountId,
        workerPools: spec.workerPools.length,
        ...(cluster.approval ? { awaitingApproval: true } : {}),
      });
      if (cluster.approval) {
        logger.info({ cluster: cluster.id, name: spec.name, reason: cluster.approval.reason.kind }, 'Deploy waits for approval');
        return { cluster, created: true };
      }
      const announced = deps.threads ? await announceBeforeCreate(cluster.id) : undefined;
      return { cluster: await createAtTencent(cluster, network, { announced: announced === true }), created: true, ...(announced === false ? { announced } : {}) };
    },

    async createApproved(clusterId) {
      const cluster = await deps.clusters.get(clusterId);
      if (!cluster) throw new Error(`cluster ${clusterId} is not in the store`);
      const network = deps.profiles.get(cluster.spec.profile)?.layers.network;
      if (!network) {
        return setCluster(clusterId, (c) => {
          if (c.status !== 'Creating') return;
          transition(c, 'Failed', clock.now().toISOString());
          c.failure = { code: 'ProfileGone', message: `The cluster profile ${c.spec.profile} no longer exists.` };
        });
      }
      return createAtTencent(cluster, network);
    },
  };

  /** CreateCluster for a recorded cluster in Creating: Provisioning with its TKE id, or Failed with Tencent's error. */
  /** `announced`: its root message was posted before (saying "Creating"): it is edited with the outcome. */
  async function createAtTencent(cluster: ClusterRecord, network: NetworkLayer, options: { announced?: boolean } = {}): Promise<ClusterRecord> {
    const { spec } = cluster;
    const plan = cluster.plan;
    if (!plan) throw new Error(`cluster ${spec.name} has no deploy plan`);
    try {
      return await callCreateCluster(cluster, network, plan);
    } finally {
      if (options.announced) deps.threads?.refreshRoot(cluster.id);
    }
  }

  /**
   * Posts the root message before CreateCluster ("Creating"), so a crash during the call leaves the
   * channel saying what happens; a failure is logged and never stops the creation (the watcher posts it later).
   */
  async function announceBeforeCreate(clusterId: string): Promise<boolean> {
    try {
      return (await deps.threads?.announce(clusterId)) === true;
    } catch (error) {
      logger.warn({ cluster: clusterId, err: (error as Error).message }, 'could not post the root message before CreateCluster');
      return false;
    }
  }

  async function callCreateCluster(cluster: ClusterRecord, network: NetworkLayer, plan: NonNullable<ClusterRecord['plan']>): Promise<ClusterRecord> {
    const { spec } = cluster;
    try {
      const target: TkeTarget = { credential: deps.accounts.credentialFor(spec.accountId), region: spec.region };
      const { clusterId: tkeClusterId } = await tke.createCluster(target, {
        name: spec.name,
        description: spec.description,
        kubernetesVersion: plan.kubernetesVersion,
        runtime: plan.runtime ?? { containerRuntime: 'containerd' },
        os: plan.os,
        vpcId: spec.vpcId,
        network: await containerNetwork(target, spec, network),
        tags: resourceTags(cluster),
      });
      logger.info({ cluster: cluster.id, tkeClusterId, name: spec.name }, 'CreateCluster accepted');
      const updated = await setCluster(cluster.id, (c) => {
        // Had the watcher already given up on this answer (CREATE_OUTCOME_AFTER_MS), the record
        // keeps its status but learns its TKE id, so deleting it deletes this cluster at Tencent.
        c.tkeClusterId = tkeClusterId;
        if (c.status === 'Creating') transition(c, 'Provisioning', clock.now().toISOString());
      });
      if (updated.status !== 'Provisioning') logger.warn({ cluster: cluster.id, tkeClusterId, status: updated.status }, 'CreateCluster answered after the watcher gave up on it');
      return updated;
    } catch (error) {
      const failure = failureOf(error, 'CreateCluster');
      logger.warn({ cluster: cluster.id, code: failure.code, requestId: failure.requestId }, 'CreateCluster failed');
      const updated = await setCluster(cluster.id, (c) => {
        if (c.status !== 'Creating' && c.status !== 'Failed') return;
        transition(c, 'Failed', clock.now().toISOString());
        c.failure = failure;
      });
      return updated;
    }
  }
}

export function createProvisioningSteps(deps: Pick<DeployDeps, 'clusters' | 'tke' | 'accounts' | 'clock' | 'logger'>): ProvisioningSteps {
  const { clusters, tke, clock } = deps;
  /** One run per cluster and step at a time: a second caller waits for the first. */
  const running = new Map<string, Promise<void>>();

  const once = (step: string, clusterId: string, run: () => Promise<void>): Promise<void> => {
    const key = `${step}:${clusterId}`;
    const current = running.get(key);
    if (current) return current;
    const started = run().finally(() => running.delete(key));
    running.set(key, started);
    return started;
  };

  const load = async (clusterId: string): Promise<{ cluster: ClusterRecord; target: TkeTarget; tkeClusterId: string }> => {
    const cluster = await clusters.get(clusterId);
    if (!cluster) throw new Error(`cluster ${clusterId} is not in the store`);
    if (!cluster.tkeClusterId) throw new Error(`cluster ${cluster.spec.name} has no TKE cluster id yet`);
    return {
      cluster,
      tkeClusterId: cluster.tkeClusterId,
      target: { credential: deps.accounts.credentialFor(cluster.spec.accountId), region: cluster.spec.region },
    };
  };

  const progress = (clusterId: string, change: (p: ClusterRecord['progress'], now: string) => void) => {
    const now = clock.now().toISOString();
    return clusters.update(clusterId, (cluster) => change(cluster.progress, now));
  };

  const poolEntry = (p: ClusterRecord['progress'], name: string) => {
    let entry = p.pools.find((x) => x.name === name);
    if (!entry) {
      entry = { name };
      p.pools.push(entry);
    }
    return entry;
  };

  async function ensureEndpoint(target: TkeTarget, tkeClusterId: string, access: EndpointAccess, subnetId?: string): Promise<void> {
    // After a restart the endpoint may exist already: TKE refuses a second one.
    const { status } = await tke.describeClusterEndpointStatus(target, tkeClusterId, access);
    if (status !== 'NotFound') return;
    await tke.createClusterEndpoint(target, { clusterId: tkeClusterId, access, ...(subnetId ? { subnetId } : {}) });
  }

  return {
    requestEndpoint: (clusterId, access) =>
      once(`endpoint-${access}`, clusterId, async () => {
        const { cluster, target, tkeClusterId } = await load(clusterId);
        const { spec, progress: p } = cluster;
        if (access === 'private') {
          if (p.privateEndpointRequestedAt) return;
          await ensureEndpoint(target, tkeClusterId, 'private', spec.subnetId);
          await progress(clusterId, (q, now) => (q.privateEndpointRequestedAt = now));
        } else {
          if (p.publicEndpointRequestedAt) return;
          await ensureEndpoint(target, tkeClusterId, 'public');
          await progress(clusterId, (q, now) => (q.publicEndpointRequestedAt = now));
        }
      }),

    restrictPublicEndpoint: (clusterId) =>
      once('endpoint-cidrs', clusterId, async () => {
        const { cluster, target, tkeClusterId } = await load(clusterId);
        if (cluster.progress.publicEndpointRestrictedAt) return;
        await tke.restrictClusterEndpoint(target, tkeClusterId, cluster.spec.publicCidrs);
        await progress(clusterId, (q, now) => (q.publicEndpointRestrictedAt = now));
      }),

    createWorkerPools: (clusterId) =>
      once('pools', clusterId, async () => {
        const { cluster, target, tkeClusterId } = await load(clusterId);
        const { spec } = cluster;
        const done = (name: string) => cluster.progress.pools.find((x) => x.name === name)?.nodePoolId !== undefined;
        let pending = spec.workerPools.filter((pool) => !done(pool.name));
        if (pending.length === 0) return;

        // A pool requested before a restart may exist: adopt it by name instead of creating it again.
        const interrupted = pending.filter((pool) => cluster.progress.pools.some((x) => x.name === pool.name && x.requestedAt));
        if (interrupted.length > 0) {
          const existing = await tke.describeClusterNodePools(target, tkeClusterId);
          const adopted = interrupted.flatMap((pool) => {
            const found = existing.find((np) => np.name === pool.name);
            return found ? [{ name: pool.name, nodePoolId: found.nodePoolId }] : [];
          });
          await progress(clusterId, (q) => adopted.forEach((a) => (poolEntry(q, a.name).nodePoolId = a.nodePoolId)));
          pending = pending.filter((pool) => !adopted.some((a) => a.name === pool.name));
          if (pending.length === 0) return;
        }

        const subnets = await tke.describeSubnets(target, spec.vpcId);
        const create = async (pool: ClusterSpec['workerPools'][number]) => {
          const { nodePoolId } = await tke.createClusterNodePool(target, nodePoolRequest(cluster, tkeClusterId, pool, subnets));
          await progress(clusterId, (q) => (poolEntry(q, pool.name).nodePoolId = nodePoolId));
        };
        const markRequested = (pools: typeof pending) =>
          progress(clusterId, (q, now) => pools.forEach((pool) => (poolEntry(q, pool.name).requestedAt = now)));

        if (spec.parallelPoolUpdates) {
          await markRequested(pending);
          const results = await Promise.allSettled(pending.map(create));
          const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed) throw failed.reason;
        } else {
          for (const pool of pending) {
            await markRequested([pool]);
            await create(pool);
          }
        }
      }),

    installAddons: (clusterId) =>
      once('addons', clusterId, async () => {
        const { cluster, target, tkeClusterId } = await load(clusterId);
        if (cluster.progress.addonsRequestedAt) return;
        const planned = cluster.plan?.addons ?? [];
        let pending = planned.filter((a) => !cluster.progress.addons.some((x) => x.name === a.name));
        if (pending.length > 0) {
          // A release created just before a restart must not be created twice (Tencent refuses the
          // name). It is in one of TKE's two lists: still installing, or recorded by Helm.
          const [installed, installing] = await Promise.all([
            tke.describeClusterReleases(target, tkeClusterId),
            tke.describeClusterPendingReleases(target, tkeClusterId),
          ]);
          const releases = [...installed, ...installing];
          const exists = (a: (typeof pending)[number]) => releases.some((r) => r.name === a.name && r.namespace === a.namespace);
          const already = pending.filter(exists);
          await progress(clusterId, (q, now) => already.forEach((a) => q.addons.push({ name: a.name, requestedAt: now })));
          pending = pending.filter((a) => !exists(a));
        }
        for (const addon of pending) {
          await tke.createClusterRelease(target, {
            clusterId: tkeClusterId,
            name: addon.name,
            namespace: addon.namespace,
            chart: addon.package,
            chartVersion: addon.version,
            repository: addon.repository,
            values: addon.values,
          });
          await progress(clusterId, (q, now) => q.addons.push({ name: addon.name, requestedAt: now }));
        }
        await progress(clusterId, (q, now) => (q.addonsRequestedAt = now));
      }),
  };
}

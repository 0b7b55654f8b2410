import { afterEach, describe, expect, it } from 'vitest';
import { resourceTags } from '../../src/services/deploy.js';
import { createSlackOutbox } from '../../src/slack/outbox.js';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { createProvisioningThreads } from '../../src/slack/threads.js';
import type { TencentCredential } from '../../src/services/tke.js';
import { ADDON_DEADLINE_MS } from '../../src/lifecycle/provision.js';
import { CLUSTER_BUSY_GIVE_UP_MS, CREATE_OUTCOME_AFTER_MS, TRANSIENT_TICKS } from '../../src/services/watcher.js';
import { aCluster } from '../support/clusters.js';
import { recordingChat, refused, serverError, timedOut } from '../support/recording-chat.js';
import { seedClusters, specIn } from '../support/seed-clusters.js';
import { provisionFully, watcherWorld, type WatcherWorld } from '../support/watcher-world.js';
import { storeFilesText } from '../support/store-files.js';

const ACCOUNT_A = { secretId: 'AKIDwatcheraccount01', secretKey: 'watcher-secret-key-01' };
const ACCOUNT_B = { secretId: 'AKIDwatcheraccount02', secretKey: 'watcher-secret-key-02' };
const CREDENTIALS: Record<string, TencentCredential> = { 'acct-a': ACCOUNT_A, 'acct-b': ACCOUNT_B };

interface World extends WatcherWorld {
  seed(specs: Parameters<typeof specIn>[], options?: { withThread?: boolean }): ReturnType<typeof seedClusters>;
  cluster(id: string): ClusterRecord | undefined;
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function world(options: { credentialFor?: (id: string) => TencentCredential } = {}): Promise<World> {
  const base = await watcherWorld({
    credentials: [ACCOUNT_A, ACCOUNT_B],
    credentialFor: options.credentialFor ?? ((id: string) => CREDENTIALS[id] as TencentCredential),
  });
  cleanup = () => base.close();
  return {
    ...base,
    seed: (specs, seedOptions = { withThread: true }) =>
      seedClusters({ store: base.store, tke: base.tke }, { credential: ACCOUNT_A, specs: specs.map((args) => specIn(...args)), ...seedOptions }),
    cluster: (id) => base.store.read((data) => data.clusters.find((c) => c.id === id)),
  };
}

const gz = (name: string): Parameters<typeof specIn> => ['ap-guangzhou', name, 'acct-a'];
const TICK_MS = 15_000;

/** Ticks `count` times, TICK_MS apart, as the cron would. */
async function tickTimes(w: WatcherWorld, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    w.clock.advance(TICK_MS);
    await w.tick();
  }
}

/**
 * A cluster as a Deploy that died around CreateCluster leaves it: Creating, no TKE cluster id, no
 * thread. With `tencentHasIt`, Tencent had accepted the CreateCluster (so it carries the tags).
 */
async function crashedDeploy(w: World, name: string, options: { tencentHasIt: boolean }): Promise<{ record: ClusterRecord; tkeClusterId?: string }> {
  const now = w.clock.now().toISOString();
  const record = aCluster({ id: `c-crashed-${name}`, spec: specIn(...gz(name)), status: 'Creating', createdAt: now, progress: { pools: [], addons: [] } });
  delete record.tkeClusterId;
  let tkeClusterId: string | undefined;
  if (options.tencentHasIt) {
    const { spec } = record;
    ({ clusterId: tkeClusterId } = await w.tke.createCluster(
      { credential: ACCOUNT_A, region: spec.region },
      { name, description: '', kubernetesVersion: '1.30.0', runtime: { containerRuntime: 'containerd' }, os: 'ubuntu18.04.1x86_64', vpcId: spec.vpcId, network: { mode: 'VPC-CNI', subnetIds: [spec.subnetId] }, tags: resourceTags(record) },
    ));
  }
  await w.store.update((data) => void data.clusters.push(record));
  return { record, ...(tkeClusterId ? { tkeClusterId } : {}) };
}

describe('the watcher', () => {
  it('posts each provisioning step once and in order, and ends with the cluster Running', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('prod-1')]);
    await provisionFully(w);
    await w.tick();
    await w.tick();

    expect(w.replies().map((text) => text.split(' ').slice(0, 3).join(' '))).toEqual([
      ':gear: Control plane',
      ':link: Endpoint ready',
      ':white_check_mark: Worker pool',
      ':package: Add-ons installed:',
      ':tada: Cluster *prod-1*',
    ]);
    expect(w.replies()[2]).toContain('2/2 nodes');
    expect(w.replies()[4]).toContain('Total time 3m 00s');
    const stored = w.cluster(cluster?.id ?? '');
    expect(stored?.status).toBe('Running');
    expect(stored?.posted).toEqual(['created', 'control-plane', 'endpoint', 'pool:default', 'addons', 'ready']);
    expect(JSON.stringify(w.chat.updates().at(-1)?.blocks)).toContain('Total time 3m 00s');
  });

  it('asks DescribeClusters once per account, region and 100 clusters', async () => {
    const w = await world();
    await w.seed(Array.from({ length: 250 }, (_, i) => gz(`gz-${i}`)));
    await w.seed(Array.from({ length: 30 }, (_, i): Parameters<typeof specIn> => ['ap-shanghai', `sh-${i}`, 'acct-a']));
    await seedClusters(
      { store: w.store, tke: w.tke },
      { credential: ACCOUNT_B, specs: Array.from({ length: 10 }, (_, i) => specIn('ap-guangzhou', `b-${i}`, 'acct-b')), withThread: true },
    );
    w.tencent.clearRequests();

    const report = await w.tick();

    const describes = w.tencent.requestsFor('DescribeClusters');
    expect(describes).toHaveLength(5);
    expect(report.describeCalls).toBe(5);
    expect(w.tencent.requests).toHaveLength(5);
  });

  it('makes no Slack call and no store write when nothing changed', async () => {
    const w = await world();
    await w.seed([gz('a'), gz('b')]);
    await w.tick();
    const before = await storeFilesText(w.store.file);
    const calls = w.chat.calls.length;

    w.clock.advance(10_000);
    const report = await w.tick();

    expect(w.chat.calls.length).toBe(calls);
    expect(report.changed).toBe(0);
    expect(await storeFilesText(w.store.file)).toBe(before);
  });

  it('asks for endpoint, node pools and add-ons only for the clusters waiting for them', async () => {
    const w = await world();
    const [early] = await w.seed([gz('early')]);
    w.clock.advance(60_000);
    await w.tick(); // early: Running, endpoint and pools requested
    const [late] = await w.seed([gz('late')]);
    w.clock.advance(30_000);
    w.tencent.clearRequests();

    await w.tick();

    // One batched DescribeClusters for both; the endpoint (Created, so its CIDRs are applied) and
    // node pools only for the one waiting for them.
    const asked = w.tencent.requests.map((r) => `${r.action} ${JSON.stringify(r.params).includes(late?.tkeClusterId ?? '-') ? 'late' : 'early'}`);
    expect(asked).toEqual(['DescribeClusters late', 'DescribeClusterEndpointStatus early', 'ModifyClusterEndpointSP early', 'DescribeClusterNodePools early']);
    expect(w.cluster(early?.id ?? '')?.progress.endpointReadyAt).toBeDefined();
    expect(w.cluster(late?.id ?? '')?.progress.controlPlaneRunningAt).toBeUndefined();
  });

  it('posts nothing for a throttled DescribeClusters until it persists for 4 ticks, then warns once', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('throttled')]);
    // The gateway retries a Describe 4 times within a call; 4 throttles fail one tick.
    for (let tick = 1; tick <= 3; tick += 1) {
      w.tencent.throttle('DescribeClusters', 4);
      await w.tick();
    }
    expect(w.chat.calls).toHaveLength(0);
    expect(w.cluster(cluster?.id ?? '')?.transientErrors).toBe(3);

    w.tencent.throttle('DescribeClusters', 4);
    await w.tick();
    expect(w.replies()).toHaveLength(1);
    expect(w.replies()[0]).toContain('RequestLimitExceeded');
    expect(w.replies()[0]).toContain('last 4 checks');

    w.clock.advance(60_000);
    await w.tick();
    const stored = w.cluster(cluster?.id ?? '');
    expect(stored?.transientErrors).toBe(0);
    expect(stored?.status).toBe('Provisioning');
    expect(w.replies().at(-1)).toContain('Control plane running');
  });

  it('fails a cluster at once on a final InternalError answer (a quota), instead of retrying it every tick', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('over-quota')]);
    w.tencent.failNext('CreateClusterNodePool', { code: 'InternalError.QuotaMaxNodLimit', message: 'node quota of the cluster exceeded' });
    w.clock.advance(60_000);
    await w.tick();

    expect(w.cluster(cluster?.id ?? '')).toMatchObject({ status: 'Failed', failure: { code: 'InternalError.QuotaMaxNodLimit', action: 'CreateClusterNodePool' } });
  });

  it("fails a cluster on a Tencent error with its code, message and request id, and stops watching it", async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('no-capacity')]);
    w.tencent.failNext('CreateClusterNodePool', { code: 'ResourceInsufficient.SpecifiedInstanceType', message: 'S5.MEDIUM4 is sold out in ap-guangzhou-3' });
    w.clock.advance(60_000);
    await w.tick();

    const failed = w.cluster(cluster?.id ?? '');
    expect(failed?.status).toBe('Failed');
    expect(failed?.failure).toMatchObject({ code: 'ResourceInsufficient.SpecifiedInstanceType', action: 'CreateClusterNodePool' });
    const last = w.replies().at(-1) ?? '';
    expect(last).toContain('ResourceInsufficient.SpecifiedInstanceType');
    expect(last).toContain('S5.MEDIUM4 is sold out in ap-guangzhou-3');
    expect(last).toContain(failed?.failure?.requestId ?? 'no request id');
    expect(JSON.stringify(w.chat.updates().at(-1)?.blocks)).toContain('Failed');

    w.tencent.clearRequests();
    w.clock.advance(60_000);
    await w.tick();
    expect(w.tencent.requests).toHaveLength(0);
  });

  it('fails a cluster Tencent reports as Abnormal', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('sick')]);
    w.tencent.markAbnormal(cluster?.tkeClusterId ?? '');
    await w.tick();
    expect(w.cluster(cluster?.id ?? '')?.status).toBe('Failed');
    expect(w.replies().at(-1)).toContain('*Abnormal*');
  });

  it('fails a cluster whose endpoint Tencent could not create', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('no-endpoint')]);
    w.tencent.failNextEndpoint('CLB quota exceeded in ap-guangzhou');
    w.clock.advance(60_000);
    await w.tick(); // endpoint requested
    w.clock.advance(30_000);
    await w.tick(); // its status: CreateFailed
    expect(w.cluster(cluster?.id ?? '')?.failure).toMatchObject({ code: 'CreateFailed', message: 'CLB quota exceeded in ap-guangzhou', action: 'CreateClusterEndpoint' });
    expect(w.replies().at(-1)).toContain('CLB quota exceeded in ap-guangzhou');
  });

  it('fails a cluster whose add-on pack failed before Helm recorded it, naming the pack and TKE’s condition', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('no-addon')]);
    w.tencent.failNextAddon('mariadb-20.0.0.tgz: 404 Not Found');
    await provisionFully(w);
    expect(w.cluster(cluster?.id ?? '')?.status).toBe('Failed');
    expect(w.cluster(cluster?.id ?? '')?.failure).toMatchObject({ code: 'ReleaseFailed', action: 'CreateClusterRelease' });
    expect(w.replies().at(-1)).toContain('*ReleaseFailed* during CreateClusterRelease: mariadb: mariadb-20.0.0.tgz: 404 Not Found');
    expect(w.tencent.cluster(cluster?.tkeClusterId ?? '')?.releases).toMatchObject([{ name: 'mariadb', status: 'failed', list: 'pending' }]);
  });

  it('fails a cluster whose add-on pack Helm recorded as failed, naming the pack and Helm’s reason', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('helm-failed')]);
    w.tencent.failNextAddon('pre-install hook failed: job mariadb-init timed out', { stage: 'helm' });
    await provisionFully(w);
    expect(w.cluster(cluster?.id ?? '')?.failure).toMatchObject({ code: 'ReleaseFailed', action: 'CreateClusterRelease' });
    expect(w.replies().at(-1)).toContain('*ReleaseFailed* during CreateClusterRelease: mariadb: pre-install hook failed: job mariadb-init timed out');
  });

  it('asks for the pending releases only while an add-on pack is missing from the installed ones', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('addons')]);
    await tickTimes(w, 1); // Creating
    w.clock.advance(60_000);
    await w.tick(); // Running: endpoint and pool requested
    w.clock.advance(60_000);
    await w.tick(); // endpoint and pool ready
    await w.tick(); // add-ons requested
    w.tencent.clearRequests();

    await tickTimes(w, 1); // mariadb installing: pending, not installed
    const whileInstalling = w.tencent.requests.map((r) => r.action);
    w.tencent.clearRequests();
    w.clock.advance(30_000);
    await w.tick(); // deployed, so ready: the ready reply's API server addresses are read once

    expect(whileInstalling).toEqual(['DescribeClusters', 'DescribeClusterReleases', 'DescribeClusterPendingReleases']);
    expect(w.tencent.requests.map((r) => r.action)).toEqual(['DescribeClusters', 'DescribeClusterReleases', 'DescribeClusterEndpoints']);
    expect(w.cluster(cluster?.id ?? '')?.status).toBe('Running');
  });

  it('fails a cluster whose add-on packs are not deployed 30 minutes after they were requested, naming each and its last status', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('slow-addon')]);
    w.tencent.setTimings({ addonInstallMs: 2 * 60 * 60_000 });
    await w.tick();
    w.clock.advance(60_000);
    await w.tick();
    w.clock.advance(60_000);
    await w.tick();
    await w.tick(); // add-ons requested
    const requestedAt = Date.parse(w.cluster(cluster?.id ?? '')?.progress.addonsRequestedAt ?? '');

    w.clock.advance(ADDON_DEADLINE_MS - 1);
    await w.tick();
    expect(w.cluster(cluster?.id ?? '')?.status).toBe('Provisioning');
    w.clock.advance(1);
    await w.tick();

    expect(w.clock.now().getTime() - requestedAt).toBe(ADDON_DEADLINE_MS);
    expect(w.cluster(cluster?.id ?? '')).toMatchObject({
      status: 'Failed',
      failure: { code: 'ReleaseTimeout', action: 'CreateClusterRelease', message: 'mariadb (pending-install) not deployed 30 minutes after the add-on packs were requested.' },
    });
    expect(w.replies().at(-1)).toContain('*ReleaseTimeout*');
  });

  it('creates the private endpoint first, the public one once the private one is Created, then applies the public access CIDRs', async () => {
    const w = await world();
    const [cluster] = await w.seed([['ap-guangzhou', 'both', 'acct-a', { endpointAccess: 'private-public', publicCidrs: ['203.0.113.0/24'] }]]);
    await w.tick();
    w.clock.advance(60_000);
    await w.tick(); // Running: the private endpoint requested
    const runningAt = w.clock.now().getTime();
    await tickTimes(w, 8);

    const endpointCalls = w.tencent.requests
      .filter((r) => r.action === 'CreateClusterEndpoint' || r.action === 'ModifyClusterEndpointSP')
      .map((r) => [r.action, (r.params as { IsExtranet?: boolean }).IsExtranet, r.emulatorTime - runningAt, r.errorCode]);
    // Each endpoint takes 30 s; ticks come every 15 s.
    expect(endpointCalls).toEqual([
      ['CreateClusterEndpoint', false, 0, undefined],
      ['CreateClusterEndpoint', true, 30_000, undefined],
      ['ModifyClusterEndpointSP', undefined, 60_000, undefined],
    ]);
    const stored = w.cluster(cluster?.id ?? '');
    expect(stored?.progress).toMatchObject({ privateEndpointReadyAt: expect.any(String), publicEndpointReadyAt: expect.any(String), publicEndpointRestrictedAt: expect.any(String) });
    expect(Date.parse(stored?.progress.endpointReadyAt ?? '') - runningAt).toBe(60_000);
    const endpointReplies = w.replies().filter((r) => r.startsWith(':link: Endpoint ready'));
    expect(endpointReplies).toHaveLength(1);
    expect(endpointReplies[0]).toContain('reachable from 203.0.113.0/24');
    expect(w.tencent.cluster(cluster?.tkeClusterId ?? '')?.endpoints.public?.securityPolicies).toEqual(['203.0.113.0/24']);
  });

  it('finishes the endpoint step of a cluster an older version left with every endpoint call made at once', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('older')]);
    w.clock.advance(60_000);
    const tkeClusterId = cluster?.tkeClusterId ?? '';
    await w.tke.createClusterEndpoint({ credential: ACCOUNT_A, region: 'ap-guangzhou' }, { clusterId: tkeClusterId, access: 'public' });
    const then = w.clock.now().toISOString();
    // What the older version stored: the endpoint requested and restricted in one go, no per-endpoint readiness.
    await w.store.update((data) => {
      const record = data.clusters.find((c) => c.id === cluster?.id);
      if (record) Object.assign(record.progress, { controlPlaneRunningAt: then, publicEndpointRequestedAt: then, publicEndpointRestrictedAt: then, endpointRequestedAt: then });
    });
    w.tencent.clearRequests();

    w.clock.advance(30_000);
    await w.tick();

    const endpointCalls = w.tencent.requests.map((r) => r.action).filter((action) => action.includes('Endpoint'));
    expect(endpointCalls).toEqual(['DescribeClusterEndpointStatus']);
    expect(w.cluster(cluster?.id ?? '')?.progress.endpointReadyAt).toBeDefined();
    expect(w.replies().filter((r) => r.startsWith(':link: Endpoint ready'))).toHaveLength(1);
  });

  it('tells the thread the endpoint is ready only after its access CIDRs are applied', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('restricted')]);
    await w.tick();
    w.clock.advance(60_000);
    await w.tick(); // the public endpoint requested
    w.tencent.failNext('ModifyClusterEndpointSP', { code: 'InternalError', message: 'try again later' });
    w.clock.advance(30_000);
    await w.tick(); // Created; the CIDRs refused this time

    expect(w.cluster(cluster?.id ?? '')?.progress.endpointReadyAt).toBeUndefined();
    expect(w.replies().some((r) => r.startsWith(':link: Endpoint ready'))).toBe(false);
    await w.tick();
    expect(w.tencent.requestsFor('ModifyClusterEndpointSP').map((r) => r.errorCode)).toEqual(['InternalError', undefined]);
    expect(w.replies().filter((r) => r.startsWith(':link: Endpoint ready'))).toHaveLength(1);
  });

  it('retries CreateClusterEndpoint refused with ResourceUnavailable.ClusterState next tick, creating the worker pools meanwhile', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('busy-endpoint')]);
    w.tencent.failNext('CreateClusterEndpoint', { code: 'ResourceUnavailable.ClusterState', message: 'cluster is updating', times: 2 });
    await w.tick();
    w.clock.advance(60_000);
    await w.tick();
    expect(w.cluster(cluster?.id ?? '')).toMatchObject({ status: 'Provisioning', transientErrors: 1 });
    expect(w.tencent.requestsFor('CreateClusterNodePool')).toHaveLength(1);

    await tickTimes(w, 16);

    expect(w.tencent.requestsFor('CreateClusterEndpoint').map((r) => r.errorCode)).toEqual(['ResourceUnavailable.ClusterState', 'ResourceUnavailable.ClusterState', undefined]);
    expect(w.cluster(cluster?.id ?? '')).toMatchObject({ status: 'Running', transientErrors: 0 });
    expect(w.replies().some((r) => r.includes('ResourceUnavailable.ClusterState'))).toBe(false);
  });

  it('tells the thread when CreateClusterNodePool is refused with ResourceUnavailable.ClusterState for 4 ticks, and goes on when it stops', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('busy-pool')]);
    w.tencent.failNext('CreateClusterNodePool', { code: 'ResourceUnavailable.ClusterState', message: 'cluster is updating', times: TRANSIENT_TICKS });
    await w.tick();
    w.clock.advance(60_000);
    await w.tick();
    await tickTimes(w, TRANSIENT_TICKS - 1);

    expect(w.cluster(cluster?.id ?? '')?.status).toBe('Provisioning');
    expect(w.replies().at(-1)).toContain(`*ResourceUnavailable.ClusterState* during CreateClusterNodePool: cluster is updating`);
    expect(w.replies().at(-1)).toContain(`last ${TRANSIENT_TICKS} checks`);
    await tickTimes(w, 16);
    expect(w.cluster(cluster?.id ?? '')?.status).toBe('Running');
  });

  it('retries CreateClusterRelease refused with ResourceUnavailable.ClusterState next tick', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('busy-release')]);
    w.tencent.failNext('CreateClusterRelease', { code: 'ResourceUnavailable.ClusterState', message: 'cluster is updating' });
    await provisionFully(w);
    expect(w.cluster(cluster?.id ?? '')?.status).toBe('Provisioning');
    await tickTimes(w, 4);
    expect(w.tencent.requestsFor('CreateClusterRelease').map((r) => r.errorCode)).toEqual(['ResourceUnavailable.ClusterState', undefined]);
    expect(w.cluster(cluster?.id ?? '')?.status).toBe('Running');
  });

  it('retries ModifyClusterEndpointSP refused with ResourceUnavailable.ClusterState next tick', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('busy-cidrs')]);
    w.tencent.failNext('ModifyClusterEndpointSP', { code: 'ResourceUnavailable.ClusterState', message: 'cluster is updating' });
    await w.tick();
    w.clock.advance(60_000);
    await w.tick();
    w.clock.advance(30_000);
    await w.tick();
    expect(w.cluster(cluster?.id ?? '')?.status).toBe('Provisioning');
    await tickTimes(w, 1);
    expect(w.tencent.requestsFor('ModifyClusterEndpointSP').map((r) => r.errorCode)).toEqual(['ResourceUnavailable.ClusterState', undefined]);
    expect(w.cluster(cluster?.id ?? '')?.progress.publicEndpointRestrictedAt).toBeDefined();
  });

  it('still fails a cluster on ResourceUnavailable.ClusterState from a call that is not a create step', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('busy-describe')]);
    w.clock.advance(60_000);
    await w.tick(); // Running: the endpoint is requested
    w.tencent.failNext('DescribeClusterEndpointStatus', { code: 'ResourceUnavailable.ClusterState', message: 'cluster is updating' });
    await tickTimes(w, 1);
    expect(w.cluster(cluster?.id ?? '')?.failure).toMatchObject({ code: 'ResourceUnavailable.ClusterState', action: 'DescribeClusterEndpointStatus' });
  });

  it('fails a cluster TKE still calls busy half an hour after its control plane came up', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('always-busy')]);
    w.tencent.failNext('CreateClusterEndpoint', { code: 'ResourceUnavailable.ClusterState', message: 'cluster is updating', times: 1_000 });
    w.clock.advance(60_000);
    await w.tick(); // Running
    w.clock.advance(CLUSTER_BUSY_GIVE_UP_MS - 1_000);
    await w.tick();
    expect(w.cluster(cluster?.id ?? '')?.status).toBe('Provisioning');
    w.clock.advance(1_000);
    await w.tick();
    expect(w.cluster(cluster?.id ?? '')).toMatchObject({ status: 'Failed', failure: { code: 'ResourceUnavailable.ClusterState', action: 'CreateClusterEndpoint' } });
  });

  it('writes nothing and posts nothing on a tick where the endpoint and the pools are still on their way', async () => {
    const w = await world();
    await w.seed([gz('waiting')]);
    w.clock.advance(60_000);
    await w.tick(); // control plane up: private endpoint and pools requested
    const posted = w.chat.posts().length;

    const quiet = await w.tick();

    expect(quiet).toMatchObject({ watched: 1, changed: 0, replies: 0 });
    expect(w.chat.posts()).toHaveLength(posted);
  });

  it('creates no worker pool when CreateClusterEndpoint is refused for good: the cluster fails first', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('bad-endpoint')]);
    w.tencent.failNext('CreateClusterEndpoint', { code: 'InvalidParameter.Param', message: 'subnet is full' });
    w.clock.advance(60_000);
    await w.tick();
    expect(w.cluster(cluster?.id ?? '')).toMatchObject({ status: 'Failed', failure: { code: 'InvalidParameter.Param', action: 'CreateClusterEndpoint' } });
    expect(w.tencent.requestsFor('CreateClusterNodePool')).toEqual([]);
  });

  it('keeps following the other clusters when one cloud account has no usable credential', async () => {
    const w = await world({
      credentialFor: (id) => {
        if (id === 'acct-b') throw new Error('cloud account acct-b was removed');
        return ACCOUNT_A;
      },
    });
    const [healthy] = await w.seed([gz('healthy')]);
    const [orphan] = await seedClusters(
      { store: w.store, tke: w.tke },
      { credential: ACCOUNT_B, specs: [specIn('ap-guangzhou', 'orphan', 'acct-b')], withThread: true },
    );
    w.clock.advance(60_000);
    await w.tick();
    expect(w.cluster(healthy?.id ?? '')?.progress.controlPlaneRunningAt).toBeDefined();
    expect(w.cluster(orphan?.id ?? '')?.transientErrors).toBe(1);
    expect(w.cluster(orphan?.id ?? '')?.status).toBe('Provisioning');
  });

  it('keeps following the other clusters when one cluster step breaks', async () => {
    const w = await world();
    const [broken] = await w.seed([['ap-guangzhou', 'broken', 'acct-a', { workerPools: [{ name: 'p', minSize: 1, desiredSize: 1, maxSize: 1, instanceType: 'S5.MEDIUM4', zones: ['ap-guangzhou-9'], diskGb: 50 }] }]]);
    const [fine] = await w.seed([gz('fine')]);
    w.clock.advance(60_000);
    await w.tick();
    w.clock.advance(30_000);
    await w.tick();
    expect(w.cluster(broken?.id ?? '')?.transientErrors).toBe(2);
    expect(w.cluster(broken?.id ?? '')?.posted).toContain('control-plane'); // what it saw before the error still counts
    expect(w.cluster(fine?.id ?? '')?.progress.endpointReadyAt).toBeDefined();
  });

  it('provisions a cluster whose root message Slack refuses, trying the root again at growing intervals', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('uninvited')], { withThread: false });
    for (let i = 0; i < 100; i += 1) w.chat.failNext(refused('not_in_channel'));

    await tickTimes(w, 40);

    const stored = w.cluster(cluster?.id ?? '');
    expect(stored?.status).toBe('Running');
    expect(stored?.thread).toBeUndefined();
    expect(stored?.posted).toEqual([]);
    expect(w.tencent.requestsFor('CreateClusterNodePool')).toHaveLength(1);
    // Ten minutes of ticks: the root was tried at 0:15, 0:45, 1:45, 3:45 and 7:45, not on every tick.
    expect(w.chat.attempts.filter((c) => c.method === 'chat.postMessage')).toHaveLength(5);
  });

  it('posts a root message whose answer never came (HTTP 503) only once, and no other root on later ticks', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('unanswered')], { withThread: false });
    w.chat.failNext(serverError(503));

    await tickTimes(w, 40);

    const roots = w.chat.attempts.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === undefined);
    expect(roots).toHaveLength(1);
    const stored = w.cluster(cluster?.id ?? '');
    expect(stored?.status).toBe('Running');
    expect(stored?.thread).toBeUndefined();
    expect(stored?.threadLostAt).toBeDefined();
    expect(w.chat.attempts.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1); // no replies to a thread it cannot name
  });

  it('posts no other root after a restart when the first root timed out', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('unanswered')], { withThread: false });
    const before = recordingChat();
    for (let i = 0; i < 5; i += 1) before.failNext(timedOut());
    const threadsBefore = createProvisioningThreads({ clusters: w.clusters, accounts: w.accounts, outbox: createSlackOutbox({ client: before, logger: w.logger, sleep: async () => undefined }), clock: w.clock, logger: w.logger });
    await threadsBefore.announce(cluster?.id ?? '');

    const after = recordingChat();
    const threadsAfter = createProvisioningThreads({ clusters: w.clusters, accounts: w.accounts, outbox: createSlackOutbox({ client: after, logger: w.logger }), clock: w.clock, logger: w.logger });
    await threadsAfter.announce(cluster?.id ?? '');
    await threadsAfter.idle();

    expect(before.attempts).toHaveLength(1);
    expect(after.attempts).toEqual([]);
  });

  it('gives a thread opened late every step done so far, in order, once', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('late')], { withThread: false });
    for (let i = 0; i < 4; i += 1) w.chat.failNext(refused('not_in_channel'));

    await tickTimes(w, 40); // Running after about 3 minutes; the 5th try of the root (7:45) goes through

    const [root, ...replies] = w.chat.posts();
    expect(root?.thread_ts).toBeUndefined();
    expect(root?.text).toContain('late: Running');
    expect(replies.every((r) => r.thread_ts === w.cluster(cluster?.id ?? '')?.thread?.ts)).toBe(true);
    expect(replies.map((r) => r.text.split(' ').slice(0, 3).join(' '))).toEqual([
      ':sparkles: Cluster created:',
      ':gear: Control plane',
      ':link: Endpoint ready',
      ':white_check_mark: Worker pool',
      ':package: Add-ons installed:',
      ':tada: Cluster *late*',
    ]);
    expect(replies[3]?.text).toContain('2/2 nodes');
    expect(w.cluster(cluster?.id ?? '')?.posted).toEqual(['created', 'control-plane', 'endpoint', 'pool:default', 'addons', 'ready']);
  });

  it('finishes a tick and advances the other clusters while Slack does not answer', async () => {
    const w = await world();
    const [unannounced] = await w.seed([gz('unannounced')], { withThread: false });
    const [announced] = await w.seed([gz('announced')]);
    w.chat.hold(); // Slack takes no call at all
    w.clock.advance(60_000);

    const outcome = await Promise.race([
      w.watcher.tick(w.clock.now()).then(() => 'finished'),
      new Promise((resolve) => setTimeout(() => resolve('still running after 2 s'), 2_000)),
    ]);

    expect(outcome).toBe('finished');
    expect(w.cluster(announced?.id ?? '')?.progress.controlPlaneRunningAt).toBeDefined();
    expect(w.cluster(unannounced?.id ?? '')?.progress.controlPlaneRunningAt).toBeDefined();
    w.chat.release();
  });

  it("adopts the cluster Tencent has under a Creating cluster's tkeops tag once Deploy had 3 minutes to store its id", async () => {
    const w = await world();
    const { record, tkeClusterId } = await crashedDeploy(w, 'crashed', { tencentHasIt: true });
    w.clock.advance(CREATE_OUTCOME_AFTER_MS - TICK_MS);
    w.tencent.clearRequests();
    await w.tick();
    expect(w.tencent.requests).toHaveLength(0); // Deploy may still be at it
    expect(w.cluster(record.id)?.status).toBe('Creating');

    await tickTimes(w, 1);

    expect(w.cluster(record.id)).toMatchObject({ status: 'Provisioning', tkeClusterId });
    await tickTimes(w, 16);
    expect(w.cluster(record.id)?.status).toBe('Running');
    expect(w.replies()[0]).toContain(`Cluster created: TKE cluster \`${tkeClusterId}\``);
    expect(w.replies().at(-1)).toContain('Cluster *crashed* is ready');
  });

  it('fails a cluster left Creating when Tencent has no cluster with its tag, and says so in its thread', async () => {
    const w = await world();
    const { record } = await crashedDeploy(w, 'never-sent', { tencentHasIt: false });
    w.clock.advance(CREATE_OUTCOME_AFTER_MS);

    await w.tick(); // the lookup by tag: nothing
    await w.tick(); // the root message and the failure

    const failed = w.cluster(record.id);
    expect(failed?.status).toBe('Failed');
    expect(failed?.failure).toMatchObject({ code: 'tkeops.CreateClusterOutcomeUnknown', action: 'CreateCluster' });
    expect(failed?.failure?.message).toContain(`CreateCluster outcome unknown; no cluster with tag tkeops-cluster=${record.id} exists`);
    expect(w.replies()).toHaveLength(1);
    expect(w.replies()[0]).toContain('tkeops.CreateClusterOutcomeUnknown');
    expect(w.chat.posts()[0]?.text).toContain('never-sent: Failed');
  });

  it('opens the provisioning thread of a cluster that has none before reporting anything', async () => {
    const w = await world();
    const [cluster] = await w.seed([gz('unannounced')], { withThread: false });
    await w.tick();
    const [root, created] = w.chat.posts();
    expect(root?.thread_ts).toBeUndefined();
    expect(JSON.stringify(root?.blocks)).toContain('unannounced');
    expect(created).toMatchObject({ thread_ts: root ? w.cluster(cluster?.id ?? '')?.thread?.ts : 'none' });
    expect(created?.text).toContain('Cluster created');
  });
});

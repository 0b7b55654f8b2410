import type { Lifecycle } from '../../src/lifecycle/operation.js';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TkeopsApp } from '../../src/app.js';
import { bootstrap } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/services/clock.js';
import type { DurableFiles } from '../../src/services/durable-file.js';
import { createLogger } from '../../src/services/logger.js';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';
import { startFakeSlack, type FakeSlack } from './fake-slack.js';
import { createSlackSender, type SlackSender } from './slack-requests.js';
import { createTestDatabase } from './postgres.js';

export const SIGNING_SECRET = 'test-signing-secret';
export const BOT_TOKEN = 'xoxb-test-token';
/** A Tencent account the emulator knows. */
export const TENCENT = { secretId: 'AKIDtestaccount0001', secretKey: 'test-secret-key-0001' };

/** Who is who in the default test policy (DEFAULT_POLICY_YAML). */
export const USERS = {
  tenantAdmin: 'U0TENANT1',
  /** Admin of project platform (channel C0PLATFORM). */
  projectAdmin: 'U0PADMIN1',
  /** Anyone in C0PLATFORM is a member of platform (`members: everyone`); the default sender user. */
  member: 'U0MEMBER',
  /** Admin of project data (channel C0DATA). */
  dataAdmin: 'U0DADMIN1',
  onCall: 'U0ONCALL1',
} as const;
export const CHANNELS = { platform: 'C0PLATFORM', data: 'C0DATA', noProject: 'C0RANDOM' } as const;
export const ON_CALL_GROUP = 'S0ONCALL';

export const DEFAULT_POLICY_YAML = `
tenantAdmins: [${USERS.tenantAdmin}]
projects:
  - name: platform
    channels: [${CHANNELS.platform}]
    admins: [${USERS.projectAdmin}]
    members: everyone
  - name: data
    channels: [${CHANNELS.data}]
    admins: [${USERS.dataAdmin}]
    members: everyone
onCall:
  users: [${USERS.onCall}]
  userGroups: [${ON_CALL_GROUP}]
`;

/** The default policy with project platform's clusters expiring after at most 3 days, 1 day unless chosen otherwise. */
export const EXPIRING_PLATFORM_POLICY_YAML = DEFAULT_POLICY_YAML.replace(
  `admins: [${USERS.projectAdmin}]\n    members: everyone`,
  `admins: [${USERS.projectAdmin}]\n    members: everyone\n    expiry: { max: 3d, default: 1d }`,
);

export interface TestBot {
  bot: TkeopsApp;
  slack: FakeSlack;
  tencent: TkeEmulator;
  send: SlackSender;
  /** http://127.0.0.1:<port> of the bot: /slack/events, /healthz, /readyz, /metrics. */
  botUrl: string;
  clock: ManualClock;
  dir: string;
  dataFile: string;
  /** DATABASE_URL of the bot's own database, when it runs on PostgreSQL (`store: 'postgres'`). */
  databaseUrl?: string;
  /** Every log line the bot wrote, as text. */
  logs: string[];
  /**
   * Stops the bot only (the emulator, fake Slack and the store file stay) — for restart tests.
   * `drain: false` is a kill: thread messages still queued are lost instead of sent.
   */
  stopBot(options?: { drain?: boolean }): Promise<void>;
  /** Starts a new bot on the same store, emulator and fake Slack (with these variables changed). */
  restart(env?: Record<string, string>): Promise<TestBot>;
  stop(): Promise<void>;
}

export interface TestBotOptions {
  env?: Record<string, string>;
  clock?: ManualClock;
  /** Content of the policy file the bot loads (POLICY_FILE); DEFAULT_POLICY_YAML when absent. */
  policyYaml?: string;
  /** Put the watcher on its cron schedule (WATCH_SCHEDULE); off by default, tests tick it themselves. */
  scheduleWatcher?: boolean;
  /** Another lifecycle table than the production one. */
  lifecycle?: Lifecycle;
  /** A store file the bot starts on (copied to its DATA_FILE): e.g. one written by an older tkeops. */
  storeFile?: string;
  /** How the store writes its files (test/support/full-disk.ts makes them fail as a full disk). */
  storeFiles?: DurableFiles;
  /**
   * 'postgres': the bot keeps its state in a database of its own on the run's PostgreSQL
   * (DATABASE_URL, with a TKEOPS_MASTER_KEY), dropped when the test bot stops; lowdb by default.
   */
  store?: 'lowdb' | 'postgres';
  /**
   * A second replica of this bot (on PostgreSQL): the same database, clock, fake Slack and Tencent
   * emulator, its own process state and HTTP port. Its stop() stops only this replica; the first
   * bot's stop() ends the rest.
   */
  replicaOf?: TestBot;
}

/** The master key of test bots on PostgreSQL (it must be a variable there: there is no key file). */
export const TEST_MASTER_KEY = Buffer.alloc(32, 9).toString('base64');

/** What a test bot shares with its replicas: the fake Slack, the emulator, the clock, the folder and the database. */
interface TestWorld {
  slack: FakeSlack;
  tencent: TkeEmulator;
  clock: ManualClock;
  dir: string;
  dataFile: string;
  policyFile: string;
  databaseUrl?: string;
}

/** One bot on `world`, started with `env` on top of the world's environment: a TestBot but its restart and stop. */
async function bootOn(world: TestWorld, env: Record<string, string>, options: TestBotOptions, logs: string[]): Promise<Omit<TestBot, 'restart' | 'stop'>> {
  const { slack, tencent, clock, dir, dataFile, databaseUrl } = world;
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    TENCENT_API_ENDPOINT: tencent.url,
    DATA_FILE: dataFile,
    POLICY_FILE: world.policyFile,
    LOG_LEVEL: 'debug',
    ...(databaseUrl !== undefined ? { DATABASE_URL: databaseUrl, TKEOPS_MASTER_KEY: TEST_MASTER_KEY } : {}),
    ...env,
  });
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
  // Unless asked, the watcher is not scheduled: tests call bot.watcher.tick(clock.now()) themselves.
  const bot = await bootstrap(config, {
    clock,
    logger,
    sleep: async () => undefined,
    scheduleWatcher: options.scheduleWatcher ?? false,
    ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
    ...(options.storeFiles ? { storeFiles: options.storeFiles } : {}),
  });
  const { port } = await bot.start(0, '127.0.0.1');
  const botUrl = `http://127.0.0.1:${port}`;
  let botStopped = false;
  const stopBot = async (stopOptions: { drain?: boolean } = {}) => {
    if (!botStopped) {
      botStopped = true;
      await bot.stop(stopOptions);
    }
  };
  return {
    bot,
    slack,
    tencent,
    send: createSlackSender({ botUrl, signingSecret: SIGNING_SECRET, responseBaseUrl: slack.url }),
    botUrl,
    clock,
    dir,
    dataFile,
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    logs,
    stopBot,
  };
}

/** The real bot over real HTTP: a signed-request sender, a fake Slack Web API and the Tencent emulator. */
export async function startTestBot(options: TestBotOptions = {}): Promise<TestBot> {
  if (options.replicaOf) return startReplica(options.replicaOf, options);
  const clock = options.clock ?? new ManualClock();
  const dir = await mkdtemp(path.join(tmpdir(), 'tkeops-bot-'));
  const slack = await startFakeSlack({ botToken: BOT_TOKEN });
  const tencent = await startTkeEmulator({ clock, accounts: [TENCENT] });
  const dataFile = path.join(dir, 'db.json');
  const policyFile = path.join(dir, 'policy.yaml');
  await writeFile(policyFile, options.policyYaml ?? DEFAULT_POLICY_YAML);
  if (options.storeFile !== undefined) await copyFile(options.storeFile, dataFile);
  const database = options.store === 'postgres' ? await createTestDatabase() : undefined;
  const world: TestWorld = { slack, tencent, clock, dir, dataFile, policyFile, ...(database ? { databaseUrl: database.url } : {}) };
  const launch = launcher(world, options, async (stopBot) => {
    try {
      await stopBot();
      // fake Slack's close() throws when the bot broke a Slack limit: the test fails, the folder still goes.
      await Promise.all([slack.close(), tencent.close()]);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await database?.drop();
    }
  });
  try {
    return await launch();
  } catch (error) {
    // A bot that cannot start (e.g. a bad policy file) must not leave servers or files behind.
    await Promise.all([slack.close(), tencent.close()]);
    await rm(dir, { recursive: true, force: true });
    await database?.drop();
    throw error;
  }
}

/** A second bot process on the first one's database, clock, fake Slack and emulator (TestBotOptions.replicaOf). */
async function startReplica(first: TestBot, options: TestBotOptions): Promise<TestBot> {
  if (first.databaseUrl === undefined) throw new Error('A replica needs a bot on PostgreSQL: startTestBot({ store: "postgres" })');
  const { slack, tencent, clock, dir, dataFile, databaseUrl } = first;
  const world: TestWorld = { slack, tencent, clock, dir, dataFile, policyFile: path.join(dir, 'policy.yaml'), databaseUrl };
  return launcher(world, options, (stopBot) => stopBot())();
}

/**
 * Starts bots on `world` with `changed` on top of the options' environment; a bot's restart stops
 * it (a no-op after stopBot({ drain: false })) and starts the next with its changes and the new
 * ones; its stop is `stop`, given the bot's stopBot.
 */
function launcher(world: TestWorld, options: TestBotOptions, stop: (stopBot: () => Promise<void>) => Promise<void>) {
  const logs: string[] = [];
  const launch = async (changed: Record<string, string> = {}): Promise<TestBot> => {
    const booted = await bootOn(world, { ...options.env, ...changed }, options, logs);
    return {
      ...booted,
      async restart(env = {}) {
        await booted.stopBot();
        return launch({ ...changed, ...env });
      },
      stop: () => stop(() => booted.stopBot()),
    };
  };
  return launch;
}

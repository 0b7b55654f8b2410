import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { TkeopsApp } from '../app.js';
import { bootstrap as productionBootstrap } from '../bootstrap.js';
import { loadConfig, type Config } from '../config.js';
import { systemClock } from '../services/clock.js';
import type { Logger } from '../services/logger.js';
import { loadPolicy, type PolicySpec } from '../services/policy.js';
import { journalFileOf } from '../services/store-journal.js';
import { loadWorkspace, startLocalSlack, type LocalSlack, type SandboxControl, type Workspace } from './slack/index.js';
import { startTkeEmulator, type EmulatorTimings, type TkeEmulator } from './tke/index.js';

/** A Tencent Cloud account the emulator knows and the bot has registered (not a real key). */
export const SANDBOX_ACCOUNT = {
  name: 'sandbox-demo',
  description: 'The Tencent Cloud emulator of the sandbox',
  secretId: 'AKIDsandboxDemo0001',
  secretKey: 'sandbox-demo-secret-key',
} as const;

/** About a minute from Deploy to Running: control plane, then endpoint and worker pools, then add-ons. */
export const SANDBOX_TIMINGS: EmulatorTimings = {
  clusterCreateMs: 20_000,
  endpointCreateMs: 10_000,
  nodeJoinMs: 25_000,
  addonInstallMs: 10_000,
  clusterDeleteMs: 15_000,
  controlPlaneUpgradeMs: 20_000,
  nodeUpgradeMs: 15_000,
};

export interface SandboxOptions {
  /** Port of the page and the local Slack on 127.0.0.1 (0 = any free port). */
  port?: number;
  /** The sandbox's own store; emptied at every start (the emulator starts empty too). */
  dataFile?: string;
  policyFile?: string;
  workspaceFile?: string;
  timings?: Partial<EmulatorTimings>;
  forceDeleteAfterMinutes?: number;
  watchSchedule?: string;
  logLevel?: string;
  logger?: Logger;
  /** How the bot is built from its configuration: production's bootstrap (tests wrap it to watch it). */
  bootstrap?: typeof productionBootstrap;
}

export interface Sandbox {
  /** The page to open. */
  url: string;
  slack: LocalSlack;
  tencent: TkeEmulator;
  /** The bot, built by bootstrap() → createApp() like in production. */
  bot: TkeopsApp;
  /** Where the bot receives the local Slack's signed requests. */
  botUrl: string;
  /** The bot's configuration: production's, with only these settings changed. */
  config: Config;
  stop(): Promise<void>;
}

export const SANDBOX_DEFAULTS = {
  dataFile: 'data/sandbox-db.json',
  policyFile: 'data/sandbox/policy.yaml',
  workspaceFile: 'data/sandbox/workspace.yaml',
  forceDeleteAfterMinutes: 1,
  watchSchedule: '*/2 * * * * *',
} as const;

/** Each person's role, from the policy, shown in the page's user picker. */
export function withRoles(workspace: Workspace, policy: PolicySpec): Workspace {
  const groups = new Map(workspace.userGroups.map((g) => [g.id, g.users]));
  const roleOf = (user: string): string => {
    const roles: string[] = [];
    if (policy.tenantAdmins.includes(user)) roles.push('tenant admin');
    for (const project of policy.projects) if (project.admins.includes(user)) roles.push(`${project.name} admin`);
    if (policy.onCall.users.includes(user) || policy.onCall.userGroups.some((g) => groups.get(g)?.includes(user))) roles.push('on-call');
    return roles.length > 0 ? roles.join(', ') : 'member';
  };
  return { ...workspace, users: workspace.users.map((u) => ({ ...u, title: u.title || roleOf(u.id) })) };
}

/**
 * The whole product on one machine: the Tencent Cloud emulator (real time), the local Slack
 * and the bot, started through production's bootstrap() with a sandbox configuration.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const dataFile = options.dataFile ?? SANDBOX_DEFAULTS.dataFile;
  const policyFile = options.policyFile ?? SANDBOX_DEFAULTS.policyFile;
  const forceDeleteAfterMinutes = options.forceDeleteAfterMinutes ?? SANDBOX_DEFAULTS.forceDeleteAfterMinutes;
  const policy = await loadPolicy(policyFile);
  const workspace = withRoles(await loadWorkspace(options.workspaceFile ?? SANDBOX_DEFAULTS.workspaceFile), policy);
  const botToken = `xoxb-sandbox-${randomBytes(8).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stops.splice(0).reverse()) await close();
  };

  try {
    const tencent = await startTkeEmulator({ clock: systemClock, accounts: [SANDBOX_ACCOUNT], timings: { ...SANDBOX_TIMINGS, ...options.timings } });
    stops.push(() => tencent.close());

    const controls: SandboxControl[] = [
      {
        id: 'stick-next-deletion',
        label: 'Make the next deletion get stuck',
        hint: `Tencent keeps the next deleted cluster in Deleting; force delete is offered after ${forceDeleteAfterMinutes} min.`,
        run: () => {
          tencent.stickDeleting('next');
          return `The next cluster deleted will stay in Deleting. Force delete is offered after ${forceDeleteAfterMinutes} min.`;
        },
      },
      {
        id: 'fail-next-worker-pool',
        label: 'Make the next worker pool fail',
        hint: 'Tencent refuses the next CreateClusterNodePool, to see a failure in a thread.',
        run: () => {
          tencent.failNext('CreateClusterNodePool', { code: 'InternalError', message: 'The sandbox was asked to fail this worker pool.' });
          return 'The next worker pool creation will fail with InternalError.';
        },
      },
      {
        id: 'fail-next-endpoint',
        label: 'Make the next endpoint fail',
        hint: 'Tencent accepts the next CreateClusterEndpoint, then reports it CreateFailed.',
        run: () => {
          tencent.failNextEndpoint('The sandbox was asked to fail this endpoint.');
          return 'The next cluster endpoint will end CreateFailed.';
        },
      },
      {
        id: 'fail-next-add-on',
        label: 'Make the next add-on fail',
        hint: 'Tencent accepts the next CreateClusterRelease, then reports it failed.',
        run: () => {
          tencent.failNextAddon('The sandbox was asked to fail this add-on pack.');
          return 'The next add-on pack will end failed.';
        },
      },
    ];
    const slack = await startLocalSlack({ botToken, signingSecret, workspace, controls, port: options.port ?? 0 });
    stops.push(() => slack.close());

    await Promise.all([rm(dataFile, { force: true }), rm(journalFileOf(dataFile), { force: true })]);
    const config = loadConfig({
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      TENCENT_API_ENDPOINT: tencent.url,
      DATA_FILE: dataFile,
      POLICY_FILE: policyFile,
      // A fresh key per run: the store is fresh too, and no key file lands next to data/db.json.
      TKEOPS_MASTER_KEY: randomBytes(32).toString('base64'),
      WATCH_SCHEDULE: options.watchSchedule ?? SANDBOX_DEFAULTS.watchSchedule,
      FORCE_DELETE_AFTER_MINUTES: String(forceDeleteAfterMinutes),
      LOG_LEVEL: options.logLevel ?? 'warn',
    });
    const bot = await (options.bootstrap ?? productionBootstrap)(config, options.logger ? { logger: options.logger } : {});
    const { port } = await bot.start(0, '127.0.0.1');
    stops.push(() => bot.stop());
    const botUrl = `http://127.0.0.1:${port}/slack/events`;
    slack.connectBot(botUrl);

    const added = await bot.services.accounts.add({ ...SANDBOX_ACCOUNT, scope: { kind: 'tenant' } }, policy.tenantAdmins[0] ?? 'USANDBOX');
    if (!added.ok) throw new Error(`the sandbox could not register its Tencent account: ${JSON.stringify(added.errors)}`);

    return { url: slack.url, slack, tencent, bot, botUrl, config, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

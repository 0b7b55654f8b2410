import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { registerHandlers } from './handlers/index.js';
import { createAccountService } from './services/accounts.js';
import { createAudit } from './services/audit.js';
import { boltLogger } from './slack/bolt-logger.js';
import type { Clock } from './services/clock.js';
import type { Logger } from './services/logger.js';
import { createPolicy, type PolicySpec } from './services/policy.js';
import type { SecretBox } from './services/secrets.js';
import type { Services } from './services/services.js';
import type { Store } from './services/store.js';
import { createLowdbRepositories } from './services/repositories/lowdb.js';
import type { Repositories } from './services/repositories/repositories.js';
import type { TkeGateway } from './services/tke.js';
import { createCostService } from './services/cost.js';
import { createDeployService, createProvisioningSteps, type ProvisioningSteps } from './services/deploy.js';
import { createDrafts } from './services/drafts.js';
import type { ProfileCatalog } from './services/profiles.js';
import { createWizardChoices } from './services/wizard-choices.js';
import { createWizardService } from './services/wizard.js';
import { createSlackOutbox } from './slack/outbox.js';
import { createProvisioningThreads } from './slack/threads.js';
import { createClusterLookup } from './services/cluster-lookup.js';
import { defaultLifecycle } from './lifecycle/index.js';
import type { Lifecycle } from './lifecycle/operation.js';
import { createDeletionService } from './services/deletion.js';
import { DEFAULT_FORCE_DELETE_AFTER_MS } from './services/deletion-rules.js';
import { startWatcher, type WatchSchedule } from './services/watch-schedule.js';
import { createWatcher, type Watcher } from './services/watcher.js';

export interface SlackSettings {
  botToken: string;
  signingSecret: string;
  /** With an app-level token (xapp-) the bot uses Socket Mode instead of HTTP. */
  appToken?: string;
  /** Base URL of the Slack Web API (a local fake Slack in tests and the sandbox). */
  apiUrl?: string;
}

export interface AppDeps {
  slack: SlackSettings;
  store: Store;
  tke: TkeGateway;
  clock: Clock;
  logger: Logger;
  /** The validated policy file (who may do what). */
  policy: PolicySpec;
  /** Encrypts cloud account Secret Keys at rest. */
  secrets: SecretBox;
  /** The cluster profiles shipped in data/profiles, validated at start-up. */
  profiles: ProfileCatalog;
  /** node-cron schedule of the watcher, started by start(); without it nothing ticks by itself (tests call watcher.tick). */
  watchSchedule?: string;
  /** How long a cluster stays Deleting before force delete is offered (FORCE_DELETE_AFTER_MINUTES); 15 minutes by default. */
  forceDeleteAfterMs?: number;
  /** The cluster lifecycle (states, operations and their steps); the production table by default. */
  lifecycle?: Lifecycle;
}

/** How long on-call user group members (usergroups.users.list) are reused. */
const ON_CALL_CACHE_MS = 5 * 60_000;
/**
 * How long a policy check waits for the on-call user groups (usergroups.users.list, all groups at
 * once) before using the members last seen: checks run while Slack waits for the ack (3 s).
 */
const ON_CALL_LOOKUP_BUDGET_MS = 1_500;
/** How long the provisioning-thread outbox waits for one Slack call. */
const OUTBOX_TIMEOUT_MS = 10_000;

export interface TkeopsApp {
  app: App;
  /** What the handlers are given. */
  services: Services;
  /** Follows clusters being created, provisioned and deleted; start() runs it on the watch schedule, tests call tick() themselves. */
  watcher: Watcher;
  /** The store the services were built on: for tests and the sandbox, never handed to handlers. */
  store: Store;
  /** The repositories over that store (the services' only way to it). */
  repositories: Repositories;
  /** The Tencent gateway and the provisioning steps the watcher runs: for tests and the sandbox, never handed to handlers. */
  tke: TkeGateway;
  provisioning: ProvisioningSteps;
  /** Starts receiving Slack requests; over HTTP it listens on 127.0.0.1:`port` (0 = any free port). */
  start(port: number, host?: string): Promise<{ port?: number }>;
  /**
   * Stops the schedule, then Slack requests, then sends the thread messages still queued (up to 5 s).
   * `drain: false` drops them instead, as a killed process would (tests of the crash window).
   */
  stop(options?: { drain?: boolean }): Promise<void>;
}

/** Builds the Bolt app and the services from injected dependencies; nothing is created at import time. */
export function createApp(deps: AppDeps): TkeopsApp {
  const socketMode = deps.slack.appToken !== undefined;
  const app = new App({
    token: deps.slack.botToken,
    signingSecret: deps.slack.signingSecret,
    ...(socketMode ? { socketMode: true, appToken: deps.slack.appToken } : {}),
    logger: boltLogger(deps.logger),
    ...(deps.slack.apiUrl ? { clientOptions: { slackApiUrl: deps.slack.apiUrl } } : {}),
  });
  const repositories = createLowdbRepositories(deps.store);
  const audit = createAudit({ log: repositories.audit, clock: deps.clock });
  /** A Web API client that never retries and rejects rate-limited calls: its caller decides what happens then. */
  const noRetryClient = (timeout: number) =>
    new WebClient(deps.slack.botToken, {
      ...(deps.slack.apiUrl ? { slackApiUrl: deps.slack.apiUrl } : {}),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout,
      logger: boltLogger(deps.logger),
    });
  // Policy checks run while Slack waits for an ack: the user group lookups get no retries, no
  // Retry-After wait and a short budget (the policy then uses the members last seen).
  const userGroupClient = noRetryClient(ON_CALL_LOOKUP_BUDGET_MS);
  const policy = createPolicy(deps.policy, {
    userGroupMembers: async (usergroup) => (await userGroupClient.usergroups.users.list({ usergroup })).users ?? [],
    clock: deps.clock,
    cacheMs: ON_CALL_CACHE_MS,
    userGroupBudgetMs: ON_CALL_LOOKUP_BUDGET_MS,
    logger: deps.logger,
  });
  // The outbox waits Retry-After itself, holding back every later thread message, and decides
  // alone what is sent again (never a post Slack may have taken): the client must not retry.
  // After the timeout a post is dropped (it may show in Slack) and an edit is sent again.
  const outbox = createSlackOutbox({ client: noRetryClient(OUTBOX_TIMEOUT_MS), logger: deps.logger });
  const forceDeleteAfterMs = deps.forceDeleteAfterMs ?? DEFAULT_FORCE_DELETE_AFTER_MS;
  const accounts = createAccountService({ accounts: repositories.accounts, tke: deps.tke, secrets: deps.secrets, clock: deps.clock, audit });
  const lifecycle = deps.lifecycle ?? defaultLifecycle;
  const threads = createProvisioningThreads({ clusters: repositories.clusters, accounts, outbox, clock: deps.clock, logger: deps.logger, lifecycle });
  const provisioning = createProvisioningSteps({ clusters: repositories.clusters, tke: deps.tke, accounts, clock: deps.clock, logger: deps.logger });
  const clusterLookup = createClusterLookup({ clusters: repositories.clusters, policy });
  const drafts = createDrafts({ drafts: repositories.drafts, clock: deps.clock });
  const wizardChoices = createWizardChoices({ tke: deps.tke, accounts });
  const deploy = createDeployService({ clusters: repositories.clusters, drafts: repositories.drafts, tke: deps.tke, accounts, profiles: deps.profiles, clock: deps.clock, audit, logger: deps.logger });
  const cost = createCostService({ tke: deps.tke, accounts, clock: deps.clock, logger: deps.logger });
  const services: Services = {
    cost,
    threads,
    lifecycle,
    clusterLookup,
    clock: deps.clock,
    logger: deps.logger,
    policy,
    accounts,
    profiles: deps.profiles,
    drafts,
    wizardChoices,
    wizard: createWizardService({ drafts, choices: wizardChoices, accounts, policy, profiles: deps.profiles, clusterLookup, deploy, threads, logger: deps.logger, cost }),
    deploy,
    deletion: createDeletionService({ clusters: repositories.clusters, tke: deps.tke, accounts, threads, clock: deps.clock, audit, logger: deps.logger, forceDeleteAfterMs }),
  };
  registerHandlers(app, services);
  const watcher = createWatcher({
    clusters: repositories.clusters,
    tke: deps.tke,
    accounts: services.accounts,
    threads,
    clock: deps.clock,
    logger: deps.logger,
    lifecycle,
    steps: { tke: deps.tke, provisioning, forceDeleteAfterMs, onCall: () => policy.onCall(), logger: deps.logger },
  });
  let watching: WatchSchedule | undefined;

  return {
    app,
    services,
    watcher,
    store: deps.store,
    repositories,
    tke: deps.tke,
    provisioning,
    async start(port, host = '127.0.0.1') {
      if (deps.watchSchedule) watching ??= startWatcher(watcher, deps.watchSchedule, { clock: deps.clock, logger: deps.logger });
      if (socketMode) {
        await app.start();
        return {};
      }
      const server = (await app.start({ port, host })) as Server;
      return { port: (server.address() as AddressInfo).port };
    },
    async stop({ drain = true } = {}) {
      // No new tick, then no new Slack request; then the thread messages still queued go out
      // (without drain they are dropped first, as a kill would lose them).
      if (!drain) await outbox.close(0);
      await watching?.stop();
      watching = undefined;
      await app.stop();
      await outbox.close();
    },
  };
}

import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { registerHandlers } from './handlers/index.js';
import { createAccountService } from './services/accounts.js';
import { createAudit } from './services/audit.js';
import { boltLogger } from './slack/bolt-logger.js';
import type { Clock } from './services/clock.js';
import type { Logger } from './services/logger.js';
import { createUpgradeService } from './services/upgrade.js';
import { createPoolChangeService } from './services/pool-changes.js';
import { createRetryService } from './services/retry.js';
import { createPolicy, type PolicySpec } from './services/policy.js';
import type { SecretBox } from './services/secrets.js';
import type { Services } from './services/services.js';
import type { Store } from './services/store.js';
import { createLowdbRepositories } from './services/repositories/lowdb.js';
import type { PostgresStore } from './services/repositories/postgres/database.js';
import type { Repositories } from './services/repositories/repositories.js';
import type { TkeGateway } from './services/tke.js';
import { createCostService } from './services/cost.js';
import { createApprovalService } from './services/approval.js';
import { createChangeApprovalService } from './services/change-approval.js';
import { createDeployService, createProvisioningSteps, type ProvisioningSteps } from './services/deploy.js';
import { createDrafts } from './services/drafts.js';
import type { ProfileCatalog } from './services/profiles.js';
import { createWizardChoices } from './services/wizard-choices.js';
import { createWizardService } from './services/wizard.js';
import { createSlackOutbox } from './slack/outbox.js';
import { createProvisioningThreads } from './slack/threads.js';
import { createPostedMessages } from './slack/posted-messages.js';
import { createClusterLookup } from './services/cluster-lookup.js';
import { defaultLifecycle } from './lifecycle/index.js';
import type { Lifecycle } from './lifecycle/operation.js';
import { createDeletionService } from './services/deletion.js';
import { createExpiryService } from './services/expiry.js';
import { createClusterAccess } from './services/cluster-access.js';
import { createHomeService } from './services/home.js';
import { observeClusterWrites, type ClusterWriteListener } from './services/repositories/observed.js';
import { createHomePublisher, type HomePublisher } from './slack/home-publisher.js';
import { DEFAULT_FORCE_DELETE_AFTER_MS } from './services/deletion-rules.js';
import { startWatcher, type WatchSchedule } from './services/watch-schedule.js';
import { claimingTicks, DEFAULT_CLAIM_TTL_MS, replicaId, soleReplica } from './services/tick-claims.js';
import { createWatcher, type TickReport, type Watcher } from './services/watcher.js';
import { listen, serveOps, serveSlack, type HttpServer } from './ops/http-server.js';
import { createPrometheusMetrics, type PrometheusMetrics } from './ops/prometheus.js';
import { createReadiness, MIN_STALE_TICK_MS, type CheckResult, type ReadinessReport } from './ops/readiness.js';
import { watchReceiverEvents } from './ops/receiver-events.js';
import { createSlackGuard } from './ops/slack-guard.js';
import { meteredFetch, SLACK_API_URL } from './ops/slack-fetch.js';
import { createListenerRegistry } from './ops/unknown-requests.js';

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
  /** The lowdb store, or PostgreSQL (DATABASE_URL). */
  store: Store | PostgresStore;
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
  /** How long an approval request stays open (APPROVAL_TIMEOUT_HOURS); 24 hours by default. */
  approvalTimeoutMs?: number;
  /** The cluster lifecycle (states, operations and their steps); the production table by default. */
  lifecycle?: Lifecycle;
  /** This bot's metrics (GET /metrics); a fresh registry of its own when absent. */
  metrics?: PrometheusMetrics;
  /** The largest request body taken on /slack/events (SLACK_MAX_BODY_BYTES); 1 MiB by default. */
  maxBodyBytes?: number;
  /** A second port for /healthz, /readyz and /metrics (METRICS_PORT); /metrics is then served there only. */
  metricsPort?: number;
  /** How long after its last tick the watcher counts as stopped (readiness); 60 s by default. */
  tickStaleAfterMs?: number;
  /** How long this replica's claim on a watcher tick lives unless renewed (WATCH_CLAIM_TTL_SECONDS); 60 s by default. */
  watchClaimTtlMs?: number;
  /** This replica's name in tick claims; host name, pid and a random part by default. */
  replica?: string;
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
/** auth.test at start (readiness): how long one try may take, and the wait before the next after a failure. */
const AUTH_TIMEOUT_MS = 5_000;
const AUTH_RETRY_MS = 30_000;
/** stop(): the whole shutdown fits in this by default (a container runtime waits 10 s before SIGKILL); the outbox drains for at most 5 s of it. */
const STOP_TIMEOUT_MS = 9_000;
const OUTBOX_DRAIN_MS = 5_000;
/** How often App Home publishes held back by the rate limit are looked at. */
const HOME_FLUSH_EVERY_MS = 1_000;

export interface TkeopsApp {
  app: App;
  /** What the handlers are given. */
  services: Services;
  /** Follows clusters being created, provisioned and deleted; start() runs it on the watch schedule, tests call tick() themselves. */
  watcher: Watcher;
  /**
   * One tick as the schedule runs it: only when this replica wins the tick claim (always on lowdb,
   * one of the replicas on PostgreSQL); its report, or undefined when another replica holds the tick.
   */
  runTick(now?: Date): Promise<TickReport | undefined>;
  /** This replica's name in tick claims. */
  readonly replica: string;
  /**
   * The lowdb store the services were built on: for tests and the sandbox, never handed to
   * handlers. A bot on PostgreSQL has none: reading it throws (use `repositories`).
   */
  readonly store: Store;
  /** The PostgreSQL store, when the bot runs on one (DATABASE_URL). */
  readonly database?: PostgresStore;
  /** The repositories over that store (the services' only way to it). */
  repositories: Repositories;
  /** The App Home tabs people opened, republished as clusters change; tests call flushDue(now) to end a rate-limit window. */
  homeTabs: HomePublisher;
  /** The Tencent gateway and the provisioning steps the watcher runs: for tests and the sandbox, never handed to handlers. */
  tke: TkeGateway;
  provisioning: ProvisioningSteps;
  /** Prometheus metrics of this bot (its own registry). */
  metrics: PrometheusMetrics;
  /** What GET /readyz answers. */
  readiness(): Promise<ReadinessReport>;
  /** Resolves once the Slack requests under way (with their listeners' work after the ack) are done and the thread messages they queued are sent, or after `timeoutMs`. */
  settled(timeoutMs?: number): Promise<void>;
  /**
   * Starts receiving Slack requests; over HTTP it listens on 127.0.0.1:`port` (0 = any free port),
   * with /healthz, /readyz and /metrics beside /slack/events. In Socket Mode those three are served
   * on `metricsPort` (else `port`); over HTTP a `metricsPort` serves them too, and /metrics only there.
   */
  start(port: number, host?: string): Promise<{ port?: number; metricsPort?: number }>;
  /**
   * Stops gracefully within `timeoutMs` (default 9 s): no new tick and no new Slack request (readiness
   * turns 503 at once), the tick and the requests under way finish (with the work their listeners do
   * after the ack), then the thread messages still queued are sent (up to 5 s) and the store's last
   * write lands. `drain: false` drops the queued messages instead, as a killed process would (tests
   * of the crash window).
   */
  stop(options?: { drain?: boolean; timeoutMs?: number }): Promise<void>;
}

/** Builds the Bolt app and the services from injected dependencies; nothing is created at import time. */
export function createApp(deps: AppDeps): TkeopsApp {
  const socketMode = deps.slack.appToken !== undefined;
  const metrics = deps.metrics ?? createPrometheusMetrics();
  // Every Web API client of the bot (Bolt's, the outbox's, the lookups') counts its calls through this fetch.
  const slackFetch = meteredFetch(metrics, deps.slack.apiUrl ?? SLACK_API_URL);
  const receiver = deps.slack.appToken
    ? new SocketModeReceiver({ appToken: deps.slack.appToken, logger: boltLogger(deps.logger) })
    : new HTTPReceiver({ signingSecret: deps.slack.signingSecret, logger: boltLogger(deps.logger) });
  // Who the bot is (auth.test), asked once at start for readiness and reused by every request;
  // asked again after a failure. (Bolt's own `token` option would make a second, unawaited call.)
  let identity: Promise<{ botId?: string; botUserId?: string }> | undefined;
  const whoAmI = () =>
    (identity ??= authClient.auth.test().then(
      (answer) => ({ ...(answer.bot_id ? { botId: answer.bot_id } : {}), ...(answer.user_id ? { botUserId: answer.user_id } : {}) }),
      (error: unknown) => {
        identity = undefined;
        throw error;
      },
    ));
  const app = new App({
    authorize: async () => ({ botToken: deps.slack.botToken, ...(await whoAmI()) }),
    receiver,
    logger: boltLogger(deps.logger),
    clientOptions: { ...(deps.slack.apiUrl ? { slackApiUrl: deps.slack.apiUrl } : {}), fetch: slackFetch },
  });
  const database = 'kind' in deps.store && deps.store.kind === 'postgres' ? deps.store : undefined;
  const store = database ? undefined : (deps.store as Store);
  // Every cluster write is told to the App Home publisher (created below, with the services).
  let onClusterWrites: ClusterWriteListener = () => undefined;
  const stored = database ? database.repositories : createLowdbRepositories(deps.store as Store);
  const repositories: Repositories = { ...stored, clusters: observeClusterWrites(stored.clusters, (written) => onClusterWrites(written)) };
  const receiverEvents = watchReceiverEvents(app, receiver, metrics);
  // Buttons of old messages, closed or older views: acked at once instead of Bolt's 3 s wait and 404.
  const listeners = createListenerRegistry(app);
  app.use(listeners.middleware(deps.logger));
  const audit = createAudit({ log: repositories.audit, clock: deps.clock });
  /** A Web API client that never retries and rejects rate-limited calls: its caller decides what happens then. */
  const noRetryClient = (timeout: number) =>
    new WebClient(deps.slack.botToken, {
      ...(deps.slack.apiUrl ? { slackApiUrl: deps.slack.apiUrl } : {}),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout,
      logger: boltLogger(deps.logger),
      fetch: slackFetch,
    });
  // Policy checks run while Slack waits for an ack: the user group lookups get no retries, no
  // Retry-After wait and a short budget (the policy then uses the members last seen).
  const userGroupClient = noRetryClient(ON_CALL_LOOKUP_BUDGET_MS);
  const authClient = noRetryClient(AUTH_TIMEOUT_MS);
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
  const outboxClient = noRetryClient(OUTBOX_TIMEOUT_MS);
  const outbox = createSlackOutbox({
    client: outboxClient,
    logger: deps.logger,
    metrics,
    now: () => deps.clock.now().getTime(),
  });
  const forceDeleteAfterMs = deps.forceDeleteAfterMs ?? DEFAULT_FORCE_DELETE_AFTER_MS;
  const accounts = createAccountService({ accounts: repositories.accounts, tke: deps.tke, secrets: deps.secrets, clock: deps.clock, audit });
  const lifecycle = deps.lifecycle ?? defaultLifecycle;
  const replica = deps.replica ?? replicaId();
  const claimTtlMs = deps.watchClaimTtlMs ?? DEFAULT_CLAIM_TTL_MS;
  const threads = createProvisioningThreads({
    clusters: repositories.clusters,
    accounts,
    outbox,
    clock: deps.clock,
    logger: deps.logger,
    lifecycle,
    sent: { log: repositories.outbox, posted: createPostedMessages({ client: outboxClient, logger: deps.logger }) },
    hold: { replica, ms: claimTtlMs },
  });
  const provisioning = createProvisioningSteps({ clusters: repositories.clusters, tke: deps.tke, accounts, clock: deps.clock, logger: deps.logger });
  const clusterLookup = createClusterLookup({ clusters: repositories.clusters, policy });
  const drafts = createDrafts({ drafts: repositories.drafts, clock: deps.clock });
  const wizardChoices = createWizardChoices({ tke: deps.tke, accounts });
  const deploy = createDeployService({
    clusters: repositories.clusters,
    drafts: repositories.drafts,
    tke: deps.tke,
    accounts,
    profiles: deps.profiles,
    clock: deps.clock,
    audit,
    logger: deps.logger,
    approvalRule: (project) => policy.approvalRule(project, 'create'),
    approvalTimeoutMs: deps.approvalTimeoutMs,
    threads,
  });
  const approvals = createApprovalService({ clusters: repositories.clusters, policy, deploy, threads, audit, clock: deps.clock, logger: deps.logger });
  const cost = createCostService({ tke: deps.tke, accounts, clock: deps.clock, logger: deps.logger });
  const deletion = createDeletionService({ clusters: repositories.clusters, tke: deps.tke, accounts, threads, clock: deps.clock, audit, logger: deps.logger, forceDeleteAfterMs });
  const expiry = createExpiryService({ clusters: repositories.clusters, policy, deletion, threads, clock: deps.clock, logger: deps.logger });
  const access = createClusterAccess({ clusters: repositories.clusters, tke: deps.tke, accounts, policy, audit, clock: deps.clock, logger: deps.logger });
  const homeTabs = createHomePublisher({
    client: noRetryClient(OUTBOX_TIMEOUT_MS),
    home: createHomeService({ clusters: repositories.clusters, drafts: repositories.drafts, policy, readyEndpoints: access.readyEndpoints, clock: deps.clock }),
    clock: deps.clock,
    logger: deps.logger,
  });
  onClusterWrites = (written) => homeTabs.changed(written);
  const poolChanges = createPoolChangeService({ clusters: repositories.clusters, tke: deps.tke, accounts, clock: deps.clock, audit });
  const upgrades = createUpgradeService({ clusters: repositories.clusters, policy, threads, tke: deps.tke, accounts, poolChanges, clock: deps.clock, audit, approvalTimeoutMs: deps.approvalTimeoutMs });
  const changeApprovals = createChangeApprovalService({
    clusters: repositories.clusters,
    policy,
    poolChanges,
    cost,
    threads,
    audit,
    clock: deps.clock,
    logger: deps.logger,
    approvalTimeoutMs: deps.approvalTimeoutMs,
  });
  const services: Services = {
    poolChanges,
    retry: createRetryService({ clusters: repositories.clusters, policy, lifecycle, threads, audit, clock: deps.clock }),
    upgrades,
    cost,
    approvals,
    changeApprovals,
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
    deletion,
    expiry,
    access,
    homeTabs,
  };
  registerHandlers(listeners.app, services);
  const ticks = createWatcher({
    clusters: repositories.clusters,
    tke: deps.tke,
    accounts: services.accounts,
    threads,
    clock: deps.clock,
    logger: deps.logger,
    lifecycle,
    steps: { tke: deps.tke, provisioning, expiry, forceDeleteAfterMs, onCall: () => policy.onCall(), logger: deps.logger, journal: poolChanges.journal },
  });
  /** When the last tick ended (clock ms), for readiness. */
  let lastTickAt: number | undefined;
  const watcher: Watcher = {
    async tick(now) {
      // Approval requests left unanswered past their stored expiry are closed first (never throws).
      await approvals.expireDue(now ?? deps.clock.now()).catch((error: unknown) => deps.logger.error({ err: error }, 'watcher: could not close expired approval requests'));
      // Thread messages a crash left recorded and unsent, in the background (reads only when there are none).
      void threads.resume();
      await changeApprovals.expireDue(now ?? deps.clock.now()).catch((error: unknown) => deps.logger.error({ err: error }, 'watcher: could not close expired change approval requests'));
      const report = await ticks.tick(now);
      metrics.watcherTick(report.durationMs / 1000, report.watched);
      lastTickAt = deps.clock.now().getTime();
      return report;
    },
  };
  const runTick = claimingTicks((now) => watcher.tick(now), {
    claims: database?.tickClaims ?? soleReplica,
    replica,
    ttlMs: claimTtlMs,
    now: () => deps.clock.now(),
    logger: deps.logger,
    onSkipped: () => {
      metrics.watcherTickSkipped();
      // Readiness: this replica's schedule is alive; another replica runs the tick.
      lastTickAt = deps.clock.now().getTime();
    },
  });
  let watching: WatchSchedule | undefined;

  metrics.observe({
    outbox: () => {
      const oldest = outbox.oldestQueuedAt;
      return { depth: outbox.pending, oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, deps.clock.now().getTime() - oldest) / 1000 };
    },
    clustersByStatus: () => repositories.clusters.countByStatus(),
  });

  // Readiness: the Slack token works (auth.test at start, tried again every 30 s until it does).
  let slackAuth: CheckResult | undefined;
  let authRetry: NodeJS.Timeout | undefined;
  let startedAt: number | undefined;
  let stopping = false;
  async function checkSlackAuth(): Promise<void> {
    try {
      await whoAmI();
      slackAuth = { ok: true };
    } catch (error) {
      const data = (error as { data?: { error?: unknown } }).data;
      const code = typeof data?.error === 'string' ? data.error : (error as { code?: unknown }).code === 'slack_webapi_request_error' ? 'network_error' : 'error';
      slackAuth = { ok: false, problem: `auth.test failed: ${code}` };
      deps.logger.error({ error: code }, 'Slack auth.test failed: check SLACK_BOT_TOKEN (and SLACK_API_URL); tried again in 30 s');
      if (!stopping) {
        authRetry = setTimeout(() => void checkSlackAuth(), AUTH_RETRY_MS);
        authRetry.unref();
      }
    }
  }
  const readiness = createReadiness({
    clock: deps.clock,
    storeFile: store?.file ?? '',
    ...(database ? { storeCheck: () => database.check() } : {}),
    slackAuth: () => slackAuth,
    lastTickAt: () => lastTickAt,
    startedAt: () => startedAt,
    tickStaleAfterMs: deps.tickStaleAfterMs ?? MIN_STALE_TICK_MS,
    outboxOldestQueuedAt: () => outbox.oldestQueuedAt,
    stopping: () => stopping,
  });

  const guard = createSlackGuard({
    signingSecret: deps.slack.signingSecret,
    ...(deps.maxBodyBytes !== undefined ? { maxBodyBytes: deps.maxBodyBytes } : {}),
    logger: deps.logger,
    metrics,
  });
  let server: HttpServer | undefined;
  // Ends App Home rate-limit windows on time (what is due is read from the clock).
  let homeFlush: NodeJS.Timeout | undefined;
  let opsServer: HttpServer | undefined;

  return {
    app,
    services,
    watcher,
    runTick,
    replica,
    get store(): Store {
      if (!store) throw new Error(`This bot runs on ${database?.where ?? 'PostgreSQL'}: it has no lowdb store; use bot.repositories`);
      return store;
    },
    ...(database ? { database } : {}),
    repositories,
    homeTabs,
    tke: deps.tke,
    provisioning,
    metrics,
    readiness,
    async settled(timeoutMs = 5_000) {
      await receiverEvents.idle(timeoutMs);
      await threads.idle();
      await homeTabs.idle();
    },
    async start(port, host = '127.0.0.1') {
      startedAt ??= deps.clock.now().getTime();
      void threads.resume();
      if (deps.watchSchedule) watching ??= startWatcher({ tick: runTick }, deps.watchSchedule, { clock: deps.clock, logger: deps.logger });
      void checkSlackAuth();
      homeFlush ??= setInterval(() => homeTabs.flushDue(deps.clock.now()), HOME_FLUSH_EVERY_MS);
      homeFlush.unref();
      const separateOps = deps.metricsPort !== undefined || socketMode;
      if (separateOps) opsServer = await listen([serveOps({ readiness, metrics }, deps.logger)], { port: deps.metricsPort ?? port, host });
      if (socketMode) {
        await app.start();
        return { metricsPort: opsServer?.port };
      }
      const ops = serveOps({ readiness, ...(separateOps ? {} : { metrics }) }, deps.logger);
      server = await listen([serveSlack({ guard, receive: receiver instanceof HTTPReceiver ? receiver.requestListener : () => undefined, logger: deps.logger }), ops], { port, host });
      return { port: server.port, ...(opsServer ? { metricsPort: opsServer.port } : {}) };
    },
    async stop({ drain = true, timeoutMs = STOP_TIMEOUT_MS } = {}) {
      stopping = true;
      clearTimeout(authRetry);
      clearInterval(homeFlush);
      const deadline = performance.now() + timeoutMs;
      const left = () => Math.max(0, deadline - performance.now());
      const within = async (work: Promise<unknown>, ms: number) => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([work.catch((error: unknown) => deps.logger.error({ err: (error as Error).message }, 'stop: a step failed')), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
        clearTimeout(timer);
      };
      // Without drain the queued thread messages are dropped first, as a kill would lose them.
      if (!drain) await outbox.close(0);
      // No new tick and no new Slack request; the tick under way and the requests under way finish.
      const schedule = watching;
      watching = undefined;
      await within(Promise.all([schedule?.stop(), server?.close(Math.min(5_000, left())), socketMode ? app.stop() : undefined]), left());
      // What listeners do after their ack (a Deploy, a deletion), then the thread messages they queued.
      await receiverEvents.idle(left());
      await within(homeTabs.idle(), left());
      await outbox.close(Math.min(OUTBOX_DRAIN_MS, left()));
      // The store's last write (each write waits for the one before it); PostgreSQL's are each awaited by their caller.
      if (store) await within(store.edit(() => undefined), left());
      await opsServer?.close(Math.min(1_000, left()));
    },
  };
}

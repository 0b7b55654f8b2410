import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics } from '../services/metrics.js';

/** Values read when Prometheus scrapes, from the parts of the bot that hold them. */
export interface MetricSources {
  /** Messages waiting in the provisioning-thread outbox and the age of the oldest, in seconds (0 when empty). */
  outbox?: () => { depth: number; oldestAgeSeconds: number };
  /** How many clusters the store holds in each status. */
  clustersByStatus?: () => Promise<Record<string, number>>;
}

export interface PrometheusMetrics extends Metrics {
  /** This bot's own registry (never prom-client's global one), so two bots in one process never share a metric. */
  readonly registry: Registry;
  /** Wires the gauges read at scrape time; createApp calls it once the outbox and the store exist. */
  observe(sources: MetricSources): void;
  /** The text exposition format, for `GET /metrics`. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Slack and Tencent calls take from a few ms to the SDK's 30 s timeout. */
const CALL_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** A 1,000-cluster tick takes about half a second; a slow one several. */
const TICK_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Slack gives an ack 3 s. */
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];

/**
 * Prometheus metrics for one bot: its own registry with Node's default metrics (process_*, nodejs_*)
 * and tkeops_* metrics. Nothing is registered globally; creating it starts no timer.
 */
export function createPrometheusMetrics(options: { defaultMetrics?: boolean } = {}): PrometheusMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const tencentRequests = new Counter({
    name: 'tkeops_tencent_requests_total',
    help: 'Tencent Cloud API requests (each retry counts), by action and result code (OK or Tencent’s error code).',
    labelNames: ['action', 'code'] as const,
    registers,
  });
  const tencentDuration = new Histogram({
    name: 'tkeops_tencent_request_duration_seconds',
    help: 'Duration of Tencent Cloud API requests, by action and result code.',
    labelNames: ['action', 'code'] as const,
    buckets: CALL_BUCKETS,
    registers,
  });
  const tencentSeries = new Map<string, { count: { inc(): void }; duration: { observe(seconds: number): void } }>();
  const slackCalls = new Counter({
    name: 'tkeops_slack_api_calls_total',
    help: 'Slack Web API calls, by method and status (ok, Slack’s error code, http_<status> or network_error).',
    labelNames: ['method', 'status'] as const,
    registers,
  });
  const slackDuration = new Histogram({
    name: 'tkeops_slack_api_call_duration_seconds',
    help: 'Duration of Slack Web API calls, by method.',
    labelNames: ['method'] as const,
    buckets: CALL_BUCKETS,
    registers,
  });
  const outboxRetries = new Counter({
    name: 'tkeops_outbox_retries_total',
    help: 'Provisioning-thread messages the outbox sends again, by method and reason (rate_limited, not_sent, unknown).',
    labelNames: ['method', 'reason'] as const,
    registers,
  });
  const tickDuration = new Histogram({
    name: 'tkeops_watcher_tick_duration_seconds',
    help: 'Duration of watcher ticks (one pass over every watched cluster).',
    buckets: TICK_BUCKETS,
    registers,
  });
  const clustersWatched = new Gauge({
    name: 'tkeops_watcher_clusters_watched',
    help: 'Clusters the last watcher tick followed.',
    registers,
  });
  const ticksSkipped = new Counter({
    name: 'tkeops_watcher_ticks_skipped_total',
    help: 'Watcher ticks this replica skipped because another replica held the tick claim.',
    registers,
  });
  const lastTick = new Gauge({
    name: 'tkeops_watcher_last_tick_timestamp_seconds',
    help: 'When the last watcher tick ended (Unix time).',
    registers,
  });
  const ackDuration = new Histogram({
    name: 'tkeops_slack_ack_duration_seconds',
    help: 'From a Slack request’s arrival to its acknowledgement, by request kind.',
    labelNames: ['kind'] as const,
    buckets: ACK_BUCKETS,
    registers,
  });
  const refused = new Counter({
    name: 'tkeops_http_requests_refused_total',
    help: 'Requests to /slack/events refused before Bolt saw them, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });

  let sources: MetricSources = {};
  new Gauge({
    name: 'tkeops_outbox_depth',
    help: 'Provisioning-thread messages waiting to be sent (the one in flight included).',
    registers,
    collect() {
      this.set(sources.outbox?.().depth ?? 0);
    },
  });
  new Gauge({
    name: 'tkeops_outbox_oldest_message_age_seconds',
    help: 'How long the oldest message waiting in the outbox has waited (0 when empty).',
    registers,
    collect() {
      this.set(sources.outbox?.().oldestAgeSeconds ?? 0);
    },
  });
  new Gauge({
    name: 'tkeops_clusters',
    help: 'Clusters in the store, by status.',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const counts = (await sources.clustersByStatus?.()) ?? {};
      this.reset();
      for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
    },
  });

  return {
    registry,
    tencentRequest(action, code, seconds) {
      // Every Tencent call lands here (a thousand a tick with a thousand clusters): the labelled series are looked up once.
      const key = `${action}\u0000${code}`;
      let series = tencentSeries.get(key);
      if (!series) {
        series = { count: tencentRequests.labels(action, code), duration: tencentDuration.labels(action, code) };
        tencentSeries.set(key, series);
      }
      series.count.inc();
      series.duration.observe(seconds);
    },
    slackCall(method, status, seconds) {
      slackCalls.inc({ method, status });
      slackDuration.observe({ method }, seconds);
    },
    outboxRetry(method, reason) {
      outboxRetries.inc({ method, reason });
    },
    watcherTick(seconds, watched) {
      tickDuration.observe(seconds);
      clustersWatched.set(watched);
      lastTick.set(Date.now() / 1000);
    },
    watcherTickSkipped() {
      ticksSkipped.inc();
    },
    ack(kind, seconds) {
      ackDuration.observe({ kind }, seconds);
    },
    httpRefused(reason) {
      refused.inc({ reason });
    },
    observe(next) {
      sources = { ...sources, ...next };
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

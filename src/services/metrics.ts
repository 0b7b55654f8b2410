/**
 * What tkeops reports for operators (`GET /metrics`): the Tencent gateway, the Slack clients, the
 * outbox, the watcher and the Slack request path report events through this port, which
 * src/ops/prometheus.ts turns into Prometheus metrics. Every label value comes from a closed set —
 * Tencent action names and error codes, Slack method names and error codes, request kinds — never
 * an id, a name or anything a user typed, and never a secret.
 */
export interface Metrics {
  /** One Tencent Cloud API request (each retry is one): its action, `OK` or Tencent's error code, and how long it took. */
  tencentRequest(action: string, code: string, seconds: number): void;
  /**
   * One Slack Web API call: its method (`chat.postMessage`), its status (`ok`, Slack's error code
   * such as `not_found`, `http_<status>` or `network_error`) and how long it took.
   */
  slackCall(method: string, status: string, seconds: number): void;
  /** The outbox sends a message again, or waits to: `rate_limited`, `not_sent` (never left) or `unknown` (an edit whose answer was lost). */
  outboxRetry(method: string, reason: string): void;
  /** One watcher tick: how long it took and how many clusters it followed. */
  watcherTick(seconds: number, clustersWatched: number): void;
  /** A watcher tick this replica skipped because another replica holds it (several replicas on PostgreSQL). */
  watcherTickSkipped(): void;
  /** From a Slack request's arrival to its acknowledgement, by kind (`slash_command`, `block_actions`, `view_submission`, …). */
  ack(kind: string, seconds: number): void;
  /** A request refused before it reached Bolt, by reason (`too_large`, `bad_signature`, `stale_timestamp`, `malformed`, `busy`). */
  httpRefused(reason: string): void;
}

/** Reports nothing: for code built without metrics (unit tests of one service). */
export const noMetrics: Metrics = {
  tencentRequest: () => undefined,
  slackCall: () => undefined,
  outboxRetry: () => undefined,
  watcherTick: () => undefined,
  watcherTickSkipped: () => undefined,
  ack: () => undefined,
  httpRefused: () => undefined,
};

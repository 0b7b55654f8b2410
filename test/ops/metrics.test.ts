import { afterEach, describe, expect, it } from 'vitest';
import { BOT_TOKEN, SIGNING_SECRET, startTestBot, TENCENT, type TestBot } from '../support/bot.js';
import { addPlatformAccount, clusterNamed, deleteThroughSlack, deployThroughSlack, tickUntil } from '../support/cluster-flow.js';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of Prometheus' text format (`name{a="b",…} value`). */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1] as string, m[2] as string]));
      return { name: match[1] as string, labels, value: Number(match[3]) };
    });
}

const value = (all: Sample[], name: string, labels: Record<string, string> = {}) =>
  all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

describe('GET /metrics', () => {
  it('after a create → delete run, counts Tencent requests, Slack calls, the outbox, the watcher, clusters by status and acks, with Node’s own metrics', async () => {
    t = await startTestBot();
    const accountId = await addPlatformAccount(t);
    const cluster = await deployThroughSlack(t, accountId, 'prod-1');
    // One root edit is refused with a 429: the outbox waits Retry-After and sends it again.
    t.slack.fail('chat.update', { status: 429, retryAfterSeconds: 1, times: 1 });
    await tickUntil(t, () => clusterNamed(t as TestBot, 'prod-1')?.status === 'Running');
    await deleteThroughSlack(t, 'prod-1');
    await tickUntil(t, () => clusterNamed(t as TestBot, 'prod-1')?.status === 'Deleted');
    // One more tick: a deleted cluster is no longer watched.
    await t.bot.watcher.tick(t.clock.advance(15_000));
    await t.bot.settled();

    const response = await fetch(`${t.botUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const body = await response.text();
    const all = samples(body);

    expect(value(all, 'tkeops_tencent_requests_total', { action: 'CreateCluster', code: 'OK' })).toBe(1);
    expect(value(all, 'tkeops_tencent_requests_total', { action: 'DeleteCluster', code: 'OK' })).toBe(1);
    expect(value(all, 'tkeops_tencent_requests_total', { action: 'DescribeClusters', code: 'OK' })).toBeGreaterThan(1);
    expect(value(all, 'tkeops_tencent_request_duration_seconds_count', { action: 'CreateCluster', code: 'OK' })).toBe(1);
    expect(value(all, 'tkeops_slack_api_calls_total', { method: 'chat.postMessage', status: 'ok' })).toBe(t.slack.calls('chat.postMessage').length);
    expect(value(all, 'tkeops_slack_api_calls_total', { method: 'views.open', status: 'ok' })).toBe(2);
    expect(value(all, 'tkeops_slack_api_calls_total', { method: 'chat.update', status: 'http_429' })).toBe(1);
    expect(value(all, 'tkeops_slack_api_call_duration_seconds_count', { method: 'chat.update' })).toBe(t.slack.calls('chat.update').length + 1);
    expect(value(all, 'tkeops_outbox_retries_total', { method: 'chat.update', reason: 'rate_limited' })).toBe(1);
    expect(value(all, 'tkeops_outbox_depth')).toBe(0);
    expect(value(all, 'tkeops_outbox_oldest_message_age_seconds')).toBe(0);
    expect(value(all, 'tkeops_watcher_tick_duration_seconds_count')).toBeGreaterThan(2);
    expect(value(all, 'tkeops_watcher_clusters_watched')).toBe(0);
    expect(value(all, 'tkeops_clusters', { status: 'Deleted' })).toBe(1);
    expect(value(all, 'tkeops_clusters', { status: 'Running' })).toBe(0);
    expect(value(all, 'tkeops_slack_ack_duration_seconds_count', { kind: 'slash_command' })).toBe(2);
    expect(value(all, 'tkeops_slack_ack_duration_seconds_count', { kind: 'view_submission' })).toBe(2);
    expect(value(all, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(value(all, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(body).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');

    // No secret and nothing a user typed or named in a label: only action, code, method, status, reason, kind and Node's own.
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, TENCENT.secretKey, TENCENT.secretId, 'prod-1', cluster.id, cluster.tkeClusterId as string, 'U0', 'C0']) {
      expect(all.filter((s) => Object.values(s.labels).some((v) => v.includes(secret)))).toEqual([]);
    }
    expect(body).not.toContain(TENCENT.secretKey);
    expect(body).not.toContain(BOT_TOKEN);
  });

  it('gives each bot its own registry: two bots in one process count apart', async () => {
    t = await startTestBot();
    const other = await startTestBot();
    try {
      await addPlatformAccount(t);
      const mine = samples(await (await fetch(`${t.botUrl}/metrics`)).text());
      const theirs = samples(await (await fetch(`${other.botUrl}/metrics`)).text());
      expect(value(mine, 'tkeops_tencent_requests_total', { code: 'OK' })).toBeGreaterThan(0);
      expect(value(theirs, 'tkeops_tencent_requests_total')).toBe(0);
    } finally {
      await other.stop();
    }
  });
});

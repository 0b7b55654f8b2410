/**
 * The store part of `npm run bench`: store write latency and `/tke status` ack latency with 1k,
 * 10k and 30k deleted clusters in history (and 5 audit entries per cluster, as the bot writes them).
 *
 * For each size, a store file is written as a year of use would leave it: the deleted clusters
 * ended evenly over the last 365 days (so about 1 in 12 within HISTORY_DAYS = 30), their audit
 * entries likewise, plus 200 active (Running) clusters. The real bot (bootstrap → createApp, real
 * lowdb file, durable writes) then opens it — archiving what is older than HISTORY_DAYS — and:
 * - store write: 200 single updates of an active cluster through the cluster repository, one after
 *   the other, each timed from the call until it is on disk (fsynced);
 * - `/tke status <name>` ack: signed HTTP requests to the bot, timed until its HTTP answer (the
 *   ack Slack waits 3 s for): 100 one after the other, then 10 at once while 50 writes are in flight,
 *   and one for a cluster only in the archive.
 * The same is measured with HISTORY_DAYS = 3650 (nothing archived, every deleted cluster in the
 * file) to show what the archive saves; there only 20 writes and 20 status requests.
 *
 * Then on PostgreSQL (DATABASE_URL): the same year of use written in bulk into a fresh database
 * (every deleted cluster stays in its table, found through indexes), the real bot on it, and the
 * same 200 writes (each a committed transaction) and 100 + 10 status requests, plus `/tke status`
 * of the oldest deleted cluster.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { bootstrap } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { ManualClock } from '../src/services/clock.js';
import { createLogger } from '../src/services/logger.js';
import pg from 'pg';
import type { TkeopsApp } from '../src/app.js';
import { insertAudit } from '../src/services/repositories/postgres/audit.js';
import { clusterColumns } from '../src/services/repositories/postgres/clusters.js';
import { openPostgresStore } from '../src/services/repositories/postgres/database.js';
import { startEmbeddedPostgres } from '../test/support/embedded-postgres.js';
import { STORE_VERSION, type AuditEntry, type ClusterRecord, type StoreData } from '../src/services/store-schema.js';
import { aCluster, aSpec } from '../test/support/clusters.js';
import { startFakeSlack } from '../test/support/fake-slack.js';
import { createSlackSender, type SlackSender } from '../test/support/slack-requests.js';

const SIZES = [1_000, 10_000, 30_000];
const ACTIVE = 200;
const AUDIT_PER_CLUSTER = 5;
const DAY = 24 * 60 * 60_000;
const NOW = Date.UTC(2026, 5, 1, 9);
const BOT_TOKEN = 'xoxb-bench';
const SIGNING_SECRET = 'bench-signing-secret';
const CHANNEL = 'C0BENCH';
const ADMIN = 'U0BENCH';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};
const round = (n: number) => Math.round(n * 10) / 10;
const summary = (values: number[]) => ({ p50: round(percentile(values, 50)), p99: round(percentile(values, 99)), max: round(Math.max(...values)) });

/** A store file after a year of use: `history` clusters deleted evenly over 365 days, their audit, and the active clusters. */
function yearOfUse(history: number): StoreData {
  const clusters: ClusterRecord[] = [];
  const audit: AuditEntry[] = [];
  for (let i = 0; i < history; i++) {
    const ended = NOW - Math.floor(((i + 0.5) / history) * 365 * DAY);
    const at = new Date(ended).toISOString();
    const name = `old-${i}`;
    clusters.push(
      aCluster({
        id: `c-${name}`,
        draftId: `d-${name}`,
        spec: aSpec({ name }),
        project: 'bench',
        channel: CHANNEL,
        createdAt: new Date(ended - DAY).toISOString(),
        status: 'Deleted',
        posted: ['created', 'endpoint', 'pool:default', 'addons', 'ready', 'deleting', 'deleted'],
        deletion: { requestedBy: ADMIN, requestedAt: at, deletedAt: at },
      }),
    );
    for (let a = 0; a < AUDIT_PER_CLUSTER; a++) audit.push({ at: new Date(ended - DAY + a * 60_000).toISOString(), actor: ADMIN, action: 'cluster.note', target: `c-${name}`, detail: { step: a } });
  }
  for (let i = 0; i < ACTIVE; i++) {
    const name = `live-${i}`;
    clusters.push(aCluster({ id: `c-${name}`, draftId: `d-${name}`, spec: aSpec({ name }), project: 'bench', channel: CHANNEL, createdAt: new Date(NOW - DAY).toISOString(), status: 'Running' }));
  }
  audit.sort((a, b) => a.at.localeCompare(b.at));
  return { version: STORE_VERSION, accounts: [], clusters, drafts: [], audit, outbox: [] };
}

export interface StoreBenchRow {
  store: 'lowdb' | 'postgres';
  clustersInHistory: number;
  /** lowdb: HISTORY_DAYS (what is older is archived); PostgreSQL keeps every cluster in its table (0). */
  historyDays: number;
  /** lowdb: the file's size; PostgreSQL: the database's (pg_database_size). */
  fileMiB: number;
  /** lowdb: clusters left in the file after archiving; PostgreSQL: rows of the clusters table. */
  clustersInFile: number;
  openMs: number;
  writeMs: { p50: number; p99: number; max: number };
  statusAckMs: { p50: number; p99: number; max: number };
  /** 10 /tke status at once while 50 writes are in flight: the slowest ack. */
  statusAckUnderWritesMaxMs: number;
  /** /tke status of a cluster found only in the archive. */
  archivedStatusAckMs?: number;
  /** PostgreSQL: /tke status of the oldest deleted cluster (a lookup by name among all of them). */
  deletedStatusAckMs?: number;
}

/** The bot's timings: `writes` cluster updates one after the other, `statuses` /tke status acks, then 10 at once during 50 writes; and `/tke status old` when given. */
async function timings(bot: TkeopsApp, sender: SlackSender, writes: number, statuses: number, old?: string) {
  const { clusters } = bot.repositories;
  const writeMs: number[] = [];
  for (let i = 0; i < writes; i++) {
    const began = performance.now();
    await clusters.update(`c-live-${i % ACTIVE}`, (c) => void (c.transientErrors = i % 3));
    writeMs.push(performance.now() - began);
  }
  const status = async (name: string) => {
    const began = performance.now();
    const answer = await sender.command(`status ${name}`, { user: ADMIN, channel: CHANNEL });
    if (answer.status !== 200) throw new Error(`/tke status ${name} answered HTTP ${answer.status}`);
    return performance.now() - began;
  };
  const ackMs: number[] = [];
  for (let i = 0; i < statuses; i++) ackMs.push(await status(`live-${i % ACTIVE}`));
  const burst = Array.from({ length: 50 }, (_, i) => clusters.update(`c-live-${i}`, (c) => void (c.transientErrors = 1)));
  const parallel = await Promise.all(Array.from({ length: 10 }, (_, i) => status(`live-${i}`)));
  await Promise.all(burst);
  return {
    writeMs: summary(writeMs),
    statusAckMs: summary(ackMs),
    statusAckUnderWritesMaxMs: round(Math.max(...parallel)),
    ...(old !== undefined ? { oldStatusAckMs: round(await status(old)) } : {}),
  };
}

/** The bench's bot configuration (policy file in `dir`), with `env` added. */
async function benchConfig(dir: string, slackApiUrl: string, env: Record<string, string>) {
  const policyFile = path.join(dir, 'policy.yaml');
  await writeFile(policyFile, `tenantAdmins: [${ADMIN}]\nprojects:\n  - name: bench\n    channels: [${CHANNEL}]\n`);
  return loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApiUrl,
    DATA_FILE: path.join(dir, 'db.json'),
    POLICY_FILE: policyFile,
    TKEOPS_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
    LOG_LEVEL: 'error',
    ...env,
  });
}

async function measure(history: number, historyDays: number, writes: number, statuses: number): Promise<StoreBenchRow> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tkeops-store-bench-'));
  const slack = await startFakeSlack({ botToken: BOT_TOKEN });
  const dataFile = path.join(dir, 'db.json');
  await writeFile(dataFile, JSON.stringify(yearOfUse(history)));
  const config = await benchConfig(dir, slack.apiUrl, { HISTORY_DAYS: String(historyDays) });
  const opening = performance.now();
  const bot = await bootstrap(config, { clock: new ManualClock(NOW), logger: createLogger({ level: 'error' }), scheduleWatcher: false });
  const openMs = performance.now() - opening;
  const { port } = await bot.start(0, '127.0.0.1');
  const send = createSlackSender({ botUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET, responseBaseUrl: slack.url });
  try {
    const archived = bot.store.archive.clusterCount > 0 ? `old-${history - 1}` : undefined;
    const { oldStatusAckMs, ...measured } = await timings(bot, send, writes, statuses, archived);
    return {
      store: 'lowdb',
      clustersInHistory: history,
      historyDays,
      fileMiB: round((await stat(dataFile)).size / 1024 / 1024),
      clustersInFile: bot.store.read((data) => data.clusters.length),
      openMs: Math.round(openMs),
      ...measured,
      ...(oldStatusAckMs !== undefined ? { archivedStatusAckMs: oldStatusAckMs } : {}),
    };
  } finally {
    await bot.stop();
    await slack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rows in one statement: each column an array, unnested. */
async function bulkInsert(db: pg.ClientBase, table: string, columns: string[], types: string[], rows: unknown[][]): Promise<void> {
  for (let start = 0; start < rows.length; start += 5_000) {
    const chunk = rows.slice(start, start + 5_000);
    const params = columns.map((_, i) => chunk.map((row) => row[i]));
    await db.query(`INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`, params);
  }
}

/**
 * The same year of use in a PostgreSQL database (every deleted cluster stays in its table: there
 * is no archive), written in bulk, then the real bot on DATABASE_URL measured as on lowdb.
 */
async function measurePostgres(adminUrl: string, history: number, writes: number, statuses: number): Promise<StoreBenchRow> {
  const name = `tkeops_bench_${history}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'tkeops-store-bench-'));
  const slack = await startFakeSlack({ botToken: BOT_TOKEN });
  try {
    await (await openPostgresStore(url.toString())).close();
    const data = yearOfUse(history);
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    try {
      const clusterColumnNames = ['id', 'draft_id', 'project', 'name_key', 'status', 'gone', 'account_id', 'created_at', 'data'];
      await bulkInsert(db, 'clusters', clusterColumnNames, ['text', 'text', 'text', 'text', 'text', 'boolean', 'text', 'text', 'jsonb'], data.clusters.map(clusterColumns));
      await bulkInsert(db, 'cluster_steps', ['cluster_id', 'step_key'], ['text', 'text'], data.clusters.flatMap((c) => c.posted.map((key) => [c.id, key])));
      for (let start = 0; start < data.audit.length; start += 5_000) await insertAudit(db, data.audit.slice(start, start + 5_000));
      await db.query('ANALYZE');
    } finally {
      await db.end();
    }
    const config = await benchConfig(dir, slack.apiUrl, { DATABASE_URL: url.toString() });
    const opening = performance.now();
    const bot = await bootstrap(config, { clock: new ManualClock(NOW), logger: createLogger({ level: 'error' }), scheduleWatcher: false });
    const openMs = performance.now() - opening;
    const { port } = await bot.start(0, '127.0.0.1');
    const send = createSlackSender({ botUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET, responseBaseUrl: slack.url });
    try {
      const { oldStatusAckMs, ...measured } = await timings(bot, send, writes, statuses, `old-${history - 1}`);
      const size = await admin.query<{ bytes: string }>('SELECT pg_database_size($1) AS bytes', [name]);
      return {
        store: 'postgres',
        clustersInHistory: history,
        historyDays: 0,
        fileMiB: round(Number(size.rows[0]?.bytes ?? 0) / 1024 / 1024),
        clustersInFile: history + ACTIVE,
        openMs: Math.round(openMs),
        ...measured,
        ...(oldStatusAckMs !== undefined ? { deletedStatusAckMs: oldStatusAckMs } : {}),
      };
    } finally {
      await bot.stop();
    }
  } finally {
    await slack.close();
    await rm(dir, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/**
 * Every size on lowdb, archived as configured (HISTORY_DAYS 30), then with nothing archived; then
 * on PostgreSQL: DATABASE_URL_BENCH when set (a database is created and dropped on it per size),
 * else an embedded-postgres server with durable commits (fsync on), started for the bench.
 */
export async function storeBenchmark(only?: 'lowdb' | 'postgres'): Promise<StoreBenchRow[]> {
  const rows: StoreBenchRow[] = [];
  if (only !== 'postgres') {
    for (const size of SIZES) rows.push(await measure(size, 30, 200, 100));
    for (const size of SIZES) rows.push(await measure(size, 3650, 20, 20));
  }
  if (only === 'lowdb') return rows;
  const given = process.env.DATABASE_URL_BENCH?.trim();
  const server = given ? undefined : await startEmbeddedPostgres({ durable: true });
  try {
    for (const size of SIZES) rows.push(await measurePostgres(given ?? server?.adminUrl ?? '', size, 200, 100));
  } finally {
    await server?.stop();
  }
  return rows;
}

export function printStoreBenchmark(rows: readonly StoreBenchRow[]): void {
  console.log(`\ntkeops store benchmark — lowdb file and PostgreSQL, ${ACTIVE} active clusters, ${AUDIT_PER_CLUSTER} audit entries per cluster, durable writes (fsync)\n`);
  console.table(
    rows.map((r) => ({
      store: r.store,
      'history (deleted clusters)': r.clustersInHistory,
      HISTORY_DAYS: r.historyDays,
      'clusters in file': r.clustersInFile,
      'file MiB': r.fileMiB,
      'open ms': r.openMs,
      'write p50 ms': r.writeMs.p50,
      'write p99 ms': r.writeMs.p99,
      'status ack p50 ms': r.statusAckMs.p50,
      'status ack p99 ms': r.statusAckMs.p99,
      '10 status during writes, max ms': r.statusAckUnderWritesMaxMs,
      'archived status ack ms': r.archivedStatusAckMs ?? '-',
      'oldest deleted status ack ms': r.deletedStatusAckMs ?? '-',
    })),
  );
}

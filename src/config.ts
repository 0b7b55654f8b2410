import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import { DEFAULT_MAX_BODY_BYTES } from './ops/slack-guard.js';

/** Where the README explains how to create the Slack app and find its tokens. */
export const SLACK_SETUP_HELP = 'README.md, section "Create the Slack app"';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const configSchema = z.object({
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'must be a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: z.string().min(1),
  SLACK_APP_TOKEN: optionalText.pipe(z.string().startsWith('xapp-', 'must be an app-level token starting with xapp-').optional()),
  SLACK_API_URL: optionalText.pipe(z.url().optional()),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  METRICS_PORT: optionalText.pipe(z.coerce.number<string | undefined>().int().min(0).max(65535).optional()),
  SLACK_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024, 'must be at least 65536 (64 KiB)')
    .max(16 * 1024 * 1024, 'must be at most 16777216 (16 MiB)')
    .default(DEFAULT_MAX_BODY_BYTES),
  DATA_FILE: z.string().min(1).default('data/db.json'),
  /** PostgreSQL instead of the lowdb file (postgres://user:password@host:5432/tkeops). */
  DATABASE_URL: optionalText.pipe(z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional()),
  POLICY_FILE: z.string().min(1).default('data/policy.yaml'),
  PROFILES_DIR: z.string().min(1).default('data/profiles'),
  TENCENT_API_ENDPOINT: optionalText.pipe(z.url().optional()),
  TKEOPS_MASTER_KEY: optionalText,
  WATCH_SCHEDULE: z
    .string()
    .min(1)
    .default('*/15 * * * * *')
    .refine((expression) => validateCron(expression), 'must be a node-cron expression, e.g. */15 * * * * * (every 15 s)'),
  FORCE_DELETE_AFTER_MINUTES: z.coerce.number().positive().default(15),
  /** With several replicas (DATABASE_URL): how long a replica's claim on a watcher tick, and its hold on a thread message it is sending, live unless renewed. */
  WATCH_CLAIM_TTL_SECONDS: z.coerce.number().int().min(3).default(60),
  HISTORY_DAYS: z.coerce.number().int().positive().default(30),
  APPROVAL_TIMEOUT_HOURS: z.coerce.number().positive().default(24),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  slack: { botToken: string; signingSecret: string; appToken?: string; apiUrl?: string };
  port: number;
  /** A second port for /healthz, /readyz and /metrics (in Socket Mode the only one). */
  metricsPort?: number;
  /** The largest request body taken on /slack/events. */
  maxBodyBytes: number;
  dataFile: string;
  /** DATABASE_URL: the bot keeps its state in PostgreSQL (several replicas may share it); the lowdb file when absent. */
  databaseUrl?: string;
  policyFile: string;
  profilesDir: string;
  tencentEndpoint?: string;
  masterKey?: string;
  watchSchedule: string;
  /** How long a replica's claim on a watcher tick lives unless renewed (PostgreSQL, several replicas). */
  watchClaimTtlMs: number;
  forceDeleteAfterMs: number;
  /** Deleted clusters and audit entries older than this many days move from the store file to its archive. */
  historyDays: number;
  /** How long an approval request stays open before the watcher closes it (APPROVAL_TIMEOUT_HOURS). */
  approvalTimeoutMs: number;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** What the store's own tools (npm run rotate-key) need: no Slack settings. */
export interface StoreConfig {
  dataFile: string;
  databaseUrl?: string;
  masterKey?: string;
  historyDays: number;
}

/**
 * With DATABASE_URL the master key must be TKEOPS_MASTER_KEY: replicas share the database, and a
 * key file beside one replica's DATA_FILE would be that replica's alone.
 */
const KEY_FOR_DATABASE = (c: { DATABASE_URL?: string | undefined; TKEOPS_MASTER_KEY?: string | undefined }) =>
  c.DATABASE_URL && !c.TKEOPS_MASTER_KEY ? ['TKEOPS_MASTER_KEY: required with DATABASE_URL (every replica must use the same key; there is no key file beside a database)'] : [];

/** The store settings of the configuration (DATA_FILE, DATABASE_URL, TKEOPS_MASTER_KEY, HISTORY_DAYS), naming every problem at once. */
export function loadStoreConfig(env: Record<string, string | undefined>): StoreConfig {
  const parsed = configSchema.pick({ DATA_FILE: true, DATABASE_URL: true, TKEOPS_MASTER_KEY: true, HISTORY_DAYS: true }).safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  const c = parsed.data;
  const problems = KEY_FOR_DATABASE(c);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    dataFile: c.DATA_FILE,
    ...(c.DATABASE_URL ? { databaseUrl: c.DATABASE_URL } : {}),
    ...(c.TKEOPS_MASTER_KEY ? { masterKey: c.TKEOPS_MASTER_KEY } : {}),
    historyDays: c.HISTORY_DAYS,
  };
}

/** Reads the configuration from environment variables, naming every problem at once. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const missing = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'].filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new ConfigError([
      `Missing ${missing.join(' and ')}: tkeops needs the Slack app's bot token and signing secret ` +
        `(and SLACK_APP_TOKEN for Socket Mode). See ${SLACK_SETUP_HELP}.`,
    ]);
  }
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const c = parsed.data;
  const problems = KEY_FOR_DATABASE(c);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    slack: {
      botToken: c.SLACK_BOT_TOKEN,
      signingSecret: c.SLACK_SIGNING_SECRET,
      ...(c.SLACK_APP_TOKEN ? { appToken: c.SLACK_APP_TOKEN } : {}),
      ...(c.SLACK_API_URL ? { apiUrl: c.SLACK_API_URL } : {}),
    },
    port: c.PORT,
    ...(c.METRICS_PORT !== undefined ? { metricsPort: c.METRICS_PORT } : {}),
    maxBodyBytes: c.SLACK_MAX_BODY_BYTES,
    dataFile: c.DATA_FILE,
    ...(c.DATABASE_URL ? { databaseUrl: c.DATABASE_URL } : {}),
    policyFile: c.POLICY_FILE,
    profilesDir: c.PROFILES_DIR,
    ...(c.TENCENT_API_ENDPOINT ? { tencentEndpoint: c.TENCENT_API_ENDPOINT } : {}),
    ...(c.TKEOPS_MASTER_KEY ? { masterKey: c.TKEOPS_MASTER_KEY } : {}),
    watchSchedule: c.WATCH_SCHEDULE,
    watchClaimTtlMs: c.WATCH_CLAIM_TTL_SECONDS * 1000,
    forceDeleteAfterMs: c.FORCE_DELETE_AFTER_MINUTES * 60_000,
    historyDays: c.HISTORY_DAYS,
    approvalTimeoutMs: c.APPROVAL_TIMEOUT_HOURS * 3_600_000,
    logLevel: c.LOG_LEVEL,
  };
}

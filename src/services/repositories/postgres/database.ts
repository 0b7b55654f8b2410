/**
 * tkeops on PostgreSQL (DATABASE_URL): opens a pool, brings the schema up to date (migrations.ts)
 * and builds the repositories over it, one file each (clusters.ts, drafts.ts, accounts.ts,
 * audit.ts, outbox.ts). Several replicas may share the database: every change is a transaction that locks
 * what it changes, and the exactly-once keys are unique indexes.
 */
import pg from 'pg';
import type { EncryptedSecret } from '../../domain/index.js';
import type { KeyCheckStore } from '../../key-check.js';
import type { Logger } from '../../logger.js';
import type { Repositories } from '../repositories.js';
import { loadAccounts, postgresAccounts } from './accounts.js';
import { ACCOUNTS_CHANNEL, listenForChanges, notifyChange, type ChangeListener } from './changes.js';
import { postgresAudit } from './audit.js';
import { postgresOutbox } from './outbox.js';
import { postgresClusters } from './clusters.js';
import { postgresDrafts } from './drafts.js';
import { runMigrations } from './migrations.js';
import { postgresTickClaims } from './tick-claims.js';
import type { TickClaims } from '../../tick-claims.js';
import { json, transaction } from './sql.js';

export interface PostgresStore {
  readonly kind: 'postgres';
  /** How messages name the database: host, port and name, never the password. */
  readonly where: string;
  readonly repositories: Repositories;
  /** The migrations this start applied (empty when the schema was up to date). */
  readonly migrated: readonly number[];
  readonly keyCheck: KeyCheckStore;
  /** Which replica runs each watcher tick. */
  readonly tickClaims: TickClaims;
  /**
   * Re-encrypts every cloud account's Secret Key with `reencrypt` and sets the key check, in one
   * transaction (npm run rotate-key); how many accounts.
   */
  reencrypt(reencrypt: (secret: EncryptedSecret) => EncryptedSecret, keyCheck: EncryptedSecret): Promise<number>;
  /** Readiness: the database answers. */
  check(): Promise<{ ok: true } | { ok: false; problem: string }>;
  close(): Promise<void>;
}

export interface PostgresOptions {
  logger?: Pick<Logger, 'warn' | 'info'>;
  /** Connections in the pool (10 by default). */
  max?: number;
}

/** host:port/database of a connection URL, for messages. */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `PostgreSQL ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}

/** The database could not be opened or migrated; nothing was started. */
export class DatabaseOpenError extends Error {
  constructor(where: string, override readonly cause: unknown) {
    super(`Cannot use the database ${where}: ${cause instanceof Error ? cause.message : String(cause)}. Check DATABASE_URL and that the server runs, then start again.`);
    this.name = 'DatabaseOpenError';
  }
}

export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<PostgresStore> {
  const where = describeDatabase(url);
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 10_000 });
  // A connection the server closed while idle is replaced; without a listener it would end the process.
  pool.on('error', (error) => options.logger?.warn({ err: error.message, database: where }, 'database: an idle connection failed'));
  let migrated: number[];
  try {
    const client = await pool.connect();
    try {
      migrated = await runMigrations(client, where);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    if (error instanceof Error && error.name === 'DatabaseTooNewError') throw error;
    throw new DatabaseOpenError(where, error);
  }
  if (migrated.length > 0) options.logger?.info({ database: where, versions: migrated }, 'database: schema migrated');
  const accounts = await postgresAccounts(pool);
  let accountChanges: ChangeListener;
  try {
    accountChanges = await listenForChanges(url, ACCOUNTS_CHANNEL, accounts.reload, options.logger);
  } catch (error) {
    await pool.end();
    throw new DatabaseOpenError(where, error);
  }
  const repositories: Repositories = { clusters: postgresClusters(pool), drafts: postgresDrafts(pool), accounts, audit: postgresAudit(pool), outbox: postgresOutbox(pool) };

  const keyCheck: KeyCheckStore = {
    where,
    async read() {
      const { rows } = await pool.query<{ value: EncryptedSecret }>("SELECT value FROM settings WHERE key = 'keyCheck'");
      return { keyCheck: rows[0]?.value, sample: (await loadAccounts(pool))[0]?.secretKey };
    },
    async writeIfAbsent(value) {
      await pool.query("INSERT INTO settings (key, value) VALUES ('keyCheck', $1) ON CONFLICT DO NOTHING", [json(value)]);
    },
  };

  let closed = false;
  return {
    kind: 'postgres',
    where,
    repositories,
    migrated,
    keyCheck,
    tickClaims: postgresTickClaims(pool),
    async reencrypt(reencrypt, check) {
      const count = await transaction(pool, async (client) => {
        await client.query('LOCK TABLE accounts IN EXCLUSIVE MODE');
        const all = await loadAccounts(client);
        for (const account of all) {
          await client.query('UPDATE accounts SET data = $2 WHERE id = $1', [account.id, json({ ...account, secretKey: reencrypt(account.secretKey) })]);
        }
        await client.query("INSERT INTO settings (key, value) VALUES ('keyCheck', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [json(check)]);
        await notifyChange(client, ACCOUNTS_CHANNEL);
        return all.length;
      });
      await accounts.reload();
      return count;
    },
    async check() {
      try {
        await pool.query('SELECT 1');
        return { ok: true };
      } catch (error) {
        return { ok: false, problem: `the database does not answer (${(error as Error).message})` };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await accountChanges.close();
      await pool.end();
    },
  };
}

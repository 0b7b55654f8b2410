/**
 * Telling the other replicas that something they keep in memory changed (the cloud accounts):
 * PostgreSQL's NOTIFY on a channel, delivered to every session that LISTENs on it once the
 * transaction that sent it commits. Each replica holds one connection outside the pool for
 * LISTEN; when it is lost, the replica connects again and reloads, since notifications sent
 * meanwhile are not delivered to it.
 */
import pg from 'pg';
import type { Logger } from '../../logger.js';
import type { Queryable } from './sql.js';

export const ACCOUNTS_CHANNEL = 'tkeops_accounts';

/** Tells every replica listening on `channel` (on commit, when `db` is in a transaction). */
export async function notifyChange(db: Queryable, channel: string): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [channel, '']);
}

export interface ChangeListener {
  close(): Promise<void>;
}

/** How soon a lost LISTEN connection is opened again. */
export const RELISTEN_MS = 1_000;

/**
 * Calls `changed` on every notification on `channel`, and after each reconnection; resolves once
 * it listens (a failure to connect the first time rejects: the database is not usable).
 */
export async function listenForChanges(
  url: string,
  channel: string,
  changed: () => Promise<void>,
  logger?: Pick<Logger, 'warn'>,
): Promise<ChangeListener> {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const reload = () =>
    changed().catch((error: unknown) => logger?.warn({ err: (error as Error).message, channel }, 'database: could not reload after a change made by another replica'));

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    next.on('notification', () => void reload());
    next.on('error', (error) => logger?.warn({ err: error.message, channel }, 'database: the connection listening for changes failed'));
    next.on('end', () => {
      if (closed || client !== next) return;
      retry = setTimeout(() => void again(), RELISTEN_MS);
      retry.unref();
    });
    await next.connect();
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    client = next;
  }
  async function again(): Promise<void> {
    if (closed) return;
    try {
      await connect();
      await reload();
    } catch (error) {
      logger?.warn({ err: (error as Error).message, channel }, 'database: could not listen for changes again; retrying');
      retry = setTimeout(() => void again(), RELISTEN_MS);
      retry.unref();
    }
  }

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}

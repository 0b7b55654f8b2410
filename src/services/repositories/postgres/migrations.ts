/**
 * The PostgreSQL schema, as an ordered list of migrations run at start (runMigrations). Each has a
 * version (its place in the list) and is applied once, in its own transaction, and recorded in
 * `schema_migrations`; a start finds the versions already there and applies the rest. Replicas
 * starting together take turns under an advisory lock, so each migration runs once. Adding a table
 * (a new repository) is one more entry at the end; an entry, once released, is never edited.
 *
 * Records are stored whole as JSONB (`data`, the same shape as the lowdb file's records); the
 * columns beside it are what lookups, indexes and the exactly-once keys need. Times are ISO texts
 * (COLLATE "C": ordered as the lowdb store orders them). Only PostgreSQL 13 features.
 */
import type { Queryable } from './sql.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'clusters, steps, drafts, accounts, audit, settings',
    sql: `
      CREATE TABLE clusters (
        id text PRIMARY KEY,
        seq bigserial NOT NULL,
        -- The exactly-once key of Deploy: one cluster per wizard draft.
        draft_id text NOT NULL,
        -- '' for a channel of no project; name_key is the name in lower case.
        project text NOT NULL,
        name_key text NOT NULL,
        status text NOT NULL,
        gone boolean NOT NULL,
        account_id text NOT NULL,
        created_at text COLLATE "C" NOT NULL,
        data jsonb NOT NULL
      );
      CREATE UNIQUE INDEX clusters_draft_key ON clusters (draft_id);
      -- One cluster that is not deleted per name and project, whatever the case.
      CREATE UNIQUE INDEX clusters_live_name_key ON clusters (project, name_key) WHERE NOT gone;
      CREATE INDEX clusters_by_name ON clusters (project, name_key, created_at DESC);
      CREATE INDEX clusters_by_seq ON clusters (seq);
      -- The watcher and /tke status read the clusters that are not deleted: a few among many.
      CREATE INDEX clusters_live ON clusters (status, seq) WHERE NOT gone;
      CREATE INDEX clusters_by_status ON clusters (status);
      CREATE INDEX clusters_by_account ON clusters (account_id) WHERE NOT gone;

      -- A thread step posted for a cluster: the primary key lets one caller claim it.
      CREATE TABLE cluster_steps (
        cluster_id text NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
        step_key text NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (cluster_id, step_key)
      );

      CREATE TABLE drafts (
        id text PRIMARY KEY,
        seq bigserial NOT NULL,
        user_id text NOT NULL,
        channel text NOT NULL,
        updated_at text COLLATE "C" NOT NULL,
        data jsonb NOT NULL
      );
      CREATE INDEX drafts_by_user ON drafts (user_id, channel, updated_at DESC);
      CREATE INDEX drafts_by_updated ON drafts (updated_at);

      CREATE TABLE accounts (
        id text PRIMARY KEY,
        seq bigserial NOT NULL,
        -- 'tenant' or 'project:<name>'; one account per name (any case) in a scope.
        scope_key text NOT NULL,
        name_key text NOT NULL,
        data jsonb NOT NULL
      );
      CREATE UNIQUE INDEX accounts_name_key ON accounts (scope_key, name_key);

      CREATE TABLE audit (
        seq bigserial PRIMARY KEY,
        at text COLLATE "C" NOT NULL,
        target text NOT NULL,
        data jsonb NOT NULL
      );
      CREATE INDEX audit_by_target ON audit (target, seq);

      -- The key check (a known text encrypted with the master key) and other single values.
      CREATE TABLE settings (
        key text PRIMARY KEY,
        value jsonb NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'outbox',
    sql: `
      -- A thread message recorded before it is sent (one per cluster and step), and its ts once sent.
      CREATE TABLE outbox (
        cluster_id text NOT NULL,
        step text NOT NULL,
        seq bigserial NOT NULL,
        recorded_at text COLLATE "C" NOT NULL,
        ts text,
        data jsonb NOT NULL,
        PRIMARY KEY (cluster_id, step)
      );
      CREATE INDEX outbox_pending ON outbox (recorded_at, seq) WHERE ts IS NULL;
      CREATE INDEX outbox_sent ON outbox (recorded_at) WHERE ts IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'tick claims',
    sql: `
      -- Which replica runs a periodic job (the watcher's tick) and until when (tick-claims.ts).
      CREATE TABLE tick_claims (
        name text PRIMARY KEY,
        ticket text,
        expires_at timestamptz
      );
      INSERT INTO tick_claims (name) VALUES ('watcher');
    `,
  },
];

/** Any number the same for every tkeops: the advisory lock replicas take turns under to migrate. */
const MIGRATION_LOCK = 7_311_402_014;

/** The database was migrated by a newer tkeops: this one does not know its schema. */
export class DatabaseTooNewError extends Error {
  constructor(where: string, version: number, known: number) {
    super(`The database ${where} has schema version ${version}, newer than this tkeops knows (${known}): it was written by a newer tkeops. Start that version, or restore a backup.`);
    this.name = 'DatabaseTooNewError';
  }
}

/** Applies the migrations the database does not have yet, in order; the versions applied now. */
export async function runMigrations(client: Queryable, where: string, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const applied = new Set(rows.map((r) => r.version));
    const known = migrations.at(-1)?.version ?? 0;
    const newest = rows.at(-1)?.version ?? 0;
    if (newest > known) throw new DatabaseTooNewError(where, newest, known);
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      done.push(migration.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  /** postgres://… of a new, empty database. */
  url: string;
  /** Empties every table tkeops made (the schema stays). */
  truncate(): Promise<void>;
  /** Drops the database (closing what is still connected to it). */
  drop(): Promise<void>;
}

/** An empty database of its own on the run's PostgreSQL (test/support/postgres-server.ts). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = inject('postgresAdminUrl');
  if (!admin) throw new Error(`No PostgreSQL for the tests: ${inject('postgresProblem')}`);
  const name = `tkeops_${randomBytes(6).toString('hex')}`;
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const run = async (sql: string, on = admin) => {
    const client = new pg.Client({ connectionString: on });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  return {
    url: url.toString(),
    truncate: () =>
      run(
        `DO $$ DECLARE t text; BEGIN
           FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' LOOP
             EXECUTE format('TRUNCATE %I RESTART IDENTITY CASCADE', t);
           END LOOP;
         END $$`,
        url.toString(),
      ),
    // WITH (FORCE): PostgreSQL 13+.
    drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

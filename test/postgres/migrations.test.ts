import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/services/repositories/postgres/database.js';
import { MIGRATIONS, runMigrations } from '../../src/services/repositories/postgres/migrations.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('the PostgreSQL schema', () => {
  it('is migrated once when five replicas start together on an empty database, and a later start applies nothing', async () => {
    const stores = await Promise.all(Array.from({ length: 5 }, () => openPostgresStore(database.url, { max: 2 })));
    const versions = MIGRATIONS.map((m) => m.version);
    expect(stores.map((s) => s.migrated).filter((m) => m.length > 0)).toEqual([versions]);
    await Promise.all(stores.map((s) => s.close()));
    expect((await query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version)).toEqual(versions);

    const again = await openPostgresStore(database.url);
    expect(again.migrated).toEqual([]);
    await again.close();
  });

  it('applies a migration added to the end of the list at the next start, in order', async () => {
    await (await openPostgresStore(database.url)).close();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const next = { version: MIGRATIONS.length + 1, name: 'later', sql: 'CREATE TABLE later (id text PRIMARY KEY, data jsonb NOT NULL)' };
      expect(await runMigrations(client, 'the test database', [...MIGRATIONS, next])).toEqual([next.version]);
      expect(await runMigrations(client, 'the test database', [...MIGRATIONS, next])).toEqual([]);
    } finally {
      await client.end();
    }
    expect(await query('SELECT * FROM later')).toEqual([]);
  });

  it('refuses a database a newer tkeops migrated, naming the versions', async () => {
    await (await openPostgresStore(database.url)).close();
    await query("INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')");
    await expect(openPostgresStore(database.url)).rejects.toThrow(`has schema version 99, newer than this tkeops knows (${MIGRATIONS.length}): it was written by a newer tkeops`);
  });

  it('names the database, never its password, when it cannot be reached', async () => {
    const url = new URL(database.url);
    url.port = '1';
    const error = await openPostgresStore(url.toString()).then(
      () => new Error('opened'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/^Cannot use the database PostgreSQL 127\.0\.0\.1:1\/tkeops_\w+: .*Check DATABASE_URL/);
    expect(error.message).not.toContain(url.password);
  });
});

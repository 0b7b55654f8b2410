import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from './embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server the tests may create databases on (test/support/postgres.ts). */
    postgresAdminUrl: string;
    /** Why there is none: the server did not start (each test that needs it fails with this). */
    postgresProblem: string;
  }
}

/**
 * Vitest global setup: one PostgreSQL server for the whole run (each test file creates its own
 * database on it, so files run in parallel). DATABASE_URL_TEST, when set, is that server instead
 * (any PostgreSQL 13+ whose user may create databases); otherwise the embedded-postgres package's
 * server is started, and stopped and removed after the run.
 */
export default async function startPostgres(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.DATABASE_URL_TEST?.trim();
  project.provide('postgresProblem', '');
  if (given) {
    project.provide('postgresAdminUrl', given);
    return undefined;
  }
  let server;
  try {
    server = await startEmbeddedPostgres({ durable: false });
  } catch (error) {
    // Not thrown: Vitest 4 reports a global setup that throws, runs no test, and exits 0. Every test
    // that needs the server fails instead, saying why.
    project.provide('postgresAdminUrl', '');
    project.provide('postgresProblem', `${(error as Error).message}\n(Set DATABASE_URL_TEST to run the tests on another PostgreSQL.)`);
    return undefined;
  }
  project.provide('postgresAdminUrl', server.adminUrl);
  return () => server.stop();
}

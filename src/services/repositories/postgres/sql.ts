/** What every PostgreSQL repository shares: running work in one transaction, and its errors. */
import type { Pool, PoolClient } from 'pg';

export type Queryable = Pick<PoolClient, 'query'>;

/**
 * Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it
 * throws or asks for it (`rollback()`, e.g. a change that changed nothing).
 */
export async function transaction<T>(pool: Pool, work: (client: PoolClient, rollback: () => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    let rolledBack = false;
    let result: T;
    try {
      result = await work(client, () => (rolledBack = true));
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
    await client.query(rolledBack ? 'ROLLBACK' : 'COMMIT');
    return result;
  } finally {
    client.release();
  }
}

/** The unique index a statement broke (SQLSTATE 23505), or undefined for any other error. */
export function uniqueViolation(error: unknown): string | undefined {
  const e = error as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && typeof e.constraint === 'string' ? e.constraint : undefined;
}

/** A record as stored (JSON: the keys whose value is undefined dropped). */
export const json = (record: unknown): string => JSON.stringify(record);

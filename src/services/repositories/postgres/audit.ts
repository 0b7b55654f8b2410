/** The audit trail on PostgreSQL: one row per entry, in the order appended; looked up by target through an index. */
import type { Pool } from 'pg';
import type { AuditEntry } from '../../domain/index.js';
import type { AuditLog } from '../repositories.js';
import { json, type Queryable } from './sql.js';

/** Appends the entries in one statement (inside the caller's transaction when given one). */
export async function insertAudit(db: Queryable, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query('INSERT INTO audit (at, target, data) SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])', [
    entries.map((e) => e.at),
    entries.map((e) => e.target),
    entries.map(json),
  ]);
}

export function postgresAudit(pool: Pool): AuditLog {
  return {
    append: (...entries) => insertAudit(pool, entries),
    async list(filter = {}) {
      const { rows } =
        filter.target === undefined
          ? await pool.query<{ data: AuditEntry }>('SELECT data FROM audit ORDER BY seq')
          : await pool.query<{ data: AuditEntry }>('SELECT data FROM audit WHERE target = $1 ORDER BY seq', [filter.target]);
      return rows.map((r) => r.data);
    },
  };
}

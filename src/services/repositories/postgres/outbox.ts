/**
 * The outbox on PostgreSQL: one row per cluster and step (the primary key makes recording it
 * again a no-op, so two replicas record a message once); `ts` once Slack took it.
 */
import type { Pool } from 'pg';
import type { OutboxMessage, OutboxRepository } from '../repositories.js';
import { json, transaction } from './sql.js';

type Row = { data: OutboxMessage; ts: string | null };
const toMessage = ({ data, ts }: Row): OutboxMessage => (ts === null ? data : { ...data, ts });

export function postgresOutbox(pool: Pool): OutboxRepository {
  return {
    record: (messages, options = {}) =>
      transaction(pool, async (client) => {
        if (options.removeSentBefore !== undefined) await client.query('DELETE FROM outbox WHERE ts IS NOT NULL AND recorded_at < $1', [options.removeSentBefore]);
        if (messages.length === 0) return 0;
        const { rowCount } = await client.query(
          `INSERT INTO outbox (cluster_id, step, recorded_at, data)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) ORDER BY 3
           ON CONFLICT (cluster_id, step) DO NOTHING`,
          [messages.map((m) => m.clusterId), messages.map((m) => m.step), messages.map((m) => m.recordedAt), messages.map(json)],
        );
        return rowCount ?? 0;
      }),
    async find(clusterId, step) {
      const { rows } = await pool.query<Row>('SELECT data, ts FROM outbox WHERE cluster_id = $1 AND step = $2', [clusterId, step]);
      return rows[0] ? toMessage(rows[0]) : undefined;
    },
    async markSent(clusterId, step, ts) {
      await pool.query('UPDATE outbox SET ts = $3 WHERE cluster_id = $1 AND step = $2', [clusterId, step, ts]);
    },
    async forget(clusterId, step) {
      await pool.query('DELETE FROM outbox WHERE cluster_id = $1 AND step = $2', [clusterId, step]);
    },
    async pending() {
      const { rows } = await pool.query<Row>('SELECT data, ts FROM outbox WHERE ts IS NULL ORDER BY recorded_at, seq');
      return rows.map(toMessage);
    },
    async take(clusterId, step, holder, until, now) {
      const { rowCount } = await pool.query(
        `UPDATE outbox SET data = data || jsonb_build_object('heldBy', $3::text, 'heldUntil', $4::text)
          WHERE cluster_id = $1 AND step = $2 AND ts IS NULL
            AND (data->>'heldBy' IS NULL OR data->>'heldBy' = $3 OR (data->>'heldUntil')::timestamptz < $5::timestamptz)`,
        [clusterId, step, holder, until, now],
      );
      return rowCount === 1;
    },
  };
}

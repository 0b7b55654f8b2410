/** The wizard drafts on PostgreSQL: one row per draft, changed under a row lock. */
import type { Pool } from 'pg';
import type { Draft } from '../../domain/index.js';
import type { DraftRepository } from '../repositories.js';
import { json, transaction } from './sql.js';

export function postgresDrafts(pool: Pool): DraftRepository {
  return {
    async get(id) {
      const { rows } = await pool.query<{ data: Draft }>('SELECT data FROM drafts WHERE id = $1', [id]);
      return rows[0]?.data;
    },
    async list({ userId, channel }) {
      const { rows } = await pool.query<{ data: Draft }>(
        `SELECT data FROM drafts WHERE user_id = $1 ${channel === undefined ? '' : 'AND channel = $2'} ORDER BY updated_at DESC, seq`,
        channel === undefined ? [userId] : [userId, channel],
      );
      return rows.map((r) => r.data);
    },
    insert: (draft, options = {}) =>
      transaction(pool, async (client) => {
        if (options.removeUpdatedBefore !== undefined) await client.query('DELETE FROM drafts WHERE updated_at < $1', [options.removeUpdatedBefore]);
        await client.query('INSERT INTO drafts (id, user_id, channel, updated_at, data) VALUES ($1, $2, $3, $4, $5)', [draft.id, draft.userId, draft.channel, draft.updatedAt, json(draft)]);
      }),
    update: (id, change) =>
      transaction(pool, async (client, rollback) => {
        const { rows } = await client.query<{ data: Draft }>('SELECT data FROM drafts WHERE id = $1 FOR UPDATE', [id]);
        const before = rows[0]?.data;
        if (!before) return undefined;
        const after = structuredClone(before);
        if (change(after) === false) {
          rollback();
          return before;
        }
        await client.query('UPDATE drafts SET user_id = $2, channel = $3, updated_at = $4, data = $5 WHERE id = $1', [id, after.userId, after.channel, after.updatedAt, json(after)]);
        return after;
      }),
    remove: (id, when = () => true) =>
      transaction(pool, async (client) => {
        const { rows } = await client.query<{ data: Draft }>('SELECT data FROM drafts WHERE id = $1 FOR UPDATE', [id]);
        const draft = rows[0]?.data;
        if (!draft || !when(draft)) return false;
        await client.query('DELETE FROM drafts WHERE id = $1', [id]);
        return true;
      }),
  };
}

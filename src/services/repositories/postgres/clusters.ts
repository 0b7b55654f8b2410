/**
 * The cluster repository on PostgreSQL. A cluster is a row of `clusters` (the record as JSONB, and
 * the columns its lookups and unique indexes need); its posted thread steps are also rows of
 * `cluster_steps`, whose primary key makes a claim exactly-once. Changes lock the rows they change
 * (SELECT … FOR UPDATE) in one transaction; the record's `posted` list is kept under that lock.
 */
import type { Pool, PoolClient } from 'pg';
import { CLUSTER_STATUSES, isGone, type AuditEntry, type Cluster, type ClusterStatus } from '../../domain/index.js';
import type { ClusterFilter, ClusterRepository } from '../repositories.js';
import { insertAudit } from './audit.js';
import { json, transaction, uniqueViolation, type Queryable } from './sql.js';

/** The values of a cluster's row (INSERT_CLUSTER's parameters): the columns beside the record, and the record. */
export function clusterColumns(cluster: Cluster): unknown[] {
  return [
    cluster.id,
    cluster.draftId,
    cluster.project ?? '',
    cluster.spec.name.toLowerCase(),
    cluster.status,
    isGone(cluster.status),
    cluster.spec.accountId,
    cluster.createdAt,
    json(cluster),
  ];
}

export const INSERT_CLUSTER = `INSERT INTO clusters (id, draft_id, project, name_key, status, gone, account_id, created_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
const UPDATE = `UPDATE clusters SET draft_id = $2, project = $3, name_key = $4, status = $5, gone = $6, account_id = $7, created_at = $8, data = $9 WHERE id = $1`;

async function one(db: Queryable, where: string, params: unknown[]): Promise<Cluster | undefined> {
  const { rows } = await db.query<{ data: Cluster }>(`SELECT data FROM clusters WHERE ${where} LIMIT 1`, params);
  return rows[0]?.data;
}

/** The rows `ids`, locked for this transaction (in id order, so two transactions never wait for each other). */
async function locked(client: PoolClient, ids: readonly string[]): Promise<Map<string, Cluster>> {
  const { rows } = await client.query<{ data: Cluster }>('SELECT data FROM clusters WHERE id = ANY($1) ORDER BY id FOR UPDATE', [ids]);
  return new Map(rows.map((r) => [r.data.id, r.data]));
}

/** Writes the changed record and brings its step rows in line with its `posted` list. */
async function save(client: PoolClient, before: Cluster, after: Cluster): Promise<void> {
  await client.query(UPDATE, clusterColumns(after));
  const added = after.posted.filter((key) => !before.posted.includes(key));
  const removed = before.posted.filter((key) => !after.posted.includes(key));
  if (added.length > 0) {
    await client.query('INSERT INTO cluster_steps (cluster_id, step_key) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [after.id, added]);
  }
  if (removed.length > 0) await client.query('DELETE FROM cluster_steps WHERE cluster_id = $1 AND step_key = ANY($2)', [after.id, removed]);
}

export function postgresClusters(pool: Pool): ClusterRepository {
  return {
    get: (id) => one(pool, 'id = $1', [id]),
    findByDraft: (draftId) => one(pool, 'draft_id = $1', [draftId]),
    findByName: (project, name) => one(pool, 'project = $1 AND name_key = $2 ORDER BY gone, created_at DESC, seq', [project ?? '', name.toLowerCase()]),
    async list(filter: ClusterFilter = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (condition: (n: number) => string, value: unknown) => (params.push(value), where.push(condition(params.length)));
      if (filter.status) add((n) => `status = ANY($${n})`, filter.status);
      // Only statuses of clusters not deleted (the watcher's, /tke list's): the partial index of those few rows.
      if (filter.status && filter.status.every((status) => !isGone(status))) where.push('NOT gone');
      if (filter.project !== undefined) add((n) => `project = $${n}`, filter.project ?? '');
      if (filter.accountId !== undefined) add((n) => `account_id = $${n}`, filter.accountId);
      const { rows } = await pool.query<{ data: Cluster }>(`SELECT data FROM clusters ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`, params);
      return rows.map((r) => r.data);
    },
    async countByStatus() {
      const { rows } = await pool.query<{ status: ClusterStatus; n: number }>('SELECT status, count(*)::int AS n FROM clusters GROUP BY status');
      const counts = Object.fromEntries(CLUSTER_STATUSES.map((status) => [status, 0])) as Record<ClusterStatus, number>;
      for (const { status, n } of rows) counts[status] = n;
      return counts;
    },
    async insert(cluster) {
      try {
        await transaction(pool, async (client) => {
          await client.query(INSERT_CLUSTER, clusterColumns(cluster));
          if (cluster.posted.length > 0) await client.query('INSERT INTO cluster_steps (cluster_id, step_key) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [cluster.id, cluster.posted]);
        });
        return { ok: true };
      } catch (error) {
        const index = uniqueViolation(error);
        if (index === 'clusters_draft_key') {
          const existing = await one(pool, 'draft_id = $1', [cluster.draftId]);
          if (existing) return { ok: false, conflict: 'draft', existing };
        }
        if (index === 'clusters_live_name_key') return { ok: false, conflict: 'name' };
        throw error;
      }
    },
    update: (id, change) =>
      transaction(pool, async (client, rollback) => {
        const before = (await locked(client, [id])).get(id);
        if (!before) return undefined;
        const after = structuredClone(before);
        if (change(after) === false) {
          rollback();
          return before;
        }
        await save(client, before, after);
        return after;
      }),
    claim: (id, stepKey) =>
      transaction(pool, async (client) => {
        const cluster = (await locked(client, [id])).get(id);
        if (!cluster) return false;
        const { rowCount } = await client.query('INSERT INTO cluster_steps (cluster_id, step_key) VALUES ($1, $2) ON CONFLICT DO NOTHING', [id, stepKey]);
        if (rowCount !== 1) return false;
        if (!cluster.posted.includes(stepKey)) await client.query(UPDATE, clusterColumns({ ...cluster, posted: [...cluster.posted, stepKey] }));
        return true;
      }),
    updateMany: (changes) =>
      transaction(pool, async (client) => {
        const rows = await locked(client, [...new Set(changes.map((c) => c.id))]);
        const audit: AuditEntry[] = [];
        const results = [];
        for (const { id, apply } of changes) {
          const before = rows.get(id);
          if (!before) continue;
          const record = structuredClone(before);
          const result = apply(record, {
            claim: (stepKey) => !record.posted.includes(stepKey) && record.posted.push(stepKey) > 0,
            audit: (...entries) => void audit.push(...structuredClone(entries)),
          });
          await save(client, before, record);
          // A later change of the same cluster starts from this one.
          rows.set(id, structuredClone(record));
          results.push({ cluster: structuredClone(record), result });
        }
        await insertAudit(client, audit);
        return results;
      }),
  };
}

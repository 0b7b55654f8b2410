/**
 * The watcher's tick claim on PostgreSQL (migration 3, table `tick_claims`, one row per claimable
 * job): one UPDATE takes the row when it is free, expired or already the caller's, as Backstage's
 * scheduler does; the row lock makes two replicas claiming at once get one winner.
 */
import type { Pool } from 'pg';
import type { TickClaims } from '../../tick-claims.js';

const JOB = 'watcher';

export function postgresTickClaims(pool: Pool): TickClaims {
  return {
    async claim(replica, ttlMs, now) {
      const { rowCount } = await pool.query(
        `UPDATE tick_claims SET ticket = $2, expires_at = $3::timestamptz + make_interval(secs => $4::double precision / 1000)
          WHERE name = $1 AND (ticket IS NULL OR expires_at < $3::timestamptz OR ticket = $2) RETURNING ticket`,
        [JOB, replica, now.toISOString(), ttlMs],
      );
      return rowCount === 1;
    },
    async renew(replica, ttlMs, now) {
      const { rowCount } = await pool.query(
        `UPDATE tick_claims SET expires_at = $3::timestamptz + make_interval(secs => $4::double precision / 1000) WHERE name = $1 AND ticket = $2 RETURNING ticket`,
        [JOB, replica, now.toISOString(), ttlMs],
      );
      return rowCount === 1;
    },
    async release(replica) {
      await pool.query('UPDATE tick_claims SET ticket = NULL, expires_at = NULL WHERE name = $1 AND ticket = $2', [JOB, replica]);
    },
  };
}

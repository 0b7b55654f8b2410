import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { createLogger } from '../../src/services/logger.js';
import { openPostgresStore, type PostgresStore } from '../../src/services/repositories/postgres/database.js';
import { claimingTicks } from '../../src/services/tick-claims.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { until } from '../support/until.js';

/** The tick claim (migration 3) on a real PostgreSQL, with claimingTicks as the watcher's schedule uses it. */
let database: TestDatabase;
let store: PostgresStore;
beforeEach(async () => {
  database = await createTestDatabase();
  store = await openPostgresStore(database.url);
});
afterEach(async () => {
  await store.close();
  await database.drop();
});

/** Whether the watcher's claim is held by someone at `now`. */
async function heldAt(now: Date): Promise<boolean> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ held: boolean }>("SELECT coalesce(ticket IS NOT NULL AND expires_at >= $1::timestamptz, false) AS held FROM tick_claims WHERE name = 'watcher'", [now.toISOString()]);
    return rows[0]?.held ?? false;
  } finally {
    await client.end();
  }
}

describe('the watcher tick claim on PostgreSQL', () => {
  it('is renewed while a tick outlasts its time to live, so another replica cannot take it; released when the tick ends', async () => {
    const clock = new ManualClock();
    const claims = store.tickClaims;
    let finish = (): void => undefined;
    const tick = () => new Promise<string>((resolve) => (finish = () => resolve('ticked')));
    const run = claimingTicks(tick, { claims, replica: 'replica-1', ttlMs: 30, now: () => clock.now(), logger: createLogger({ level: 'silent' }) });

    const running = run();
    await until(async () => ((await heldAt(clock.now())) ? true : undefined), 'the claim');
    // Far past the first expiry: the renewal (every 10 ms) has moved it past the clock.
    clock.advance(60_000);
    await until(async () => ((await heldAt(clock.now())) ? true : undefined), 'the renewed claim');
    expect(await claims.claim('replica-2', 30, clock.now())).toBe(false);

    finish();
    expect(await running).toBe('ticked');
    expect(await heldAt(clock.now())).toBe(false);
    expect(await claims.claim('replica-2', 30, clock.now())).toBe(true);
  });

  it('goes to one of two replicas claiming at once', async () => {
    const clock = new ManualClock();
    const other = await openPostgresStore(database.url);
    try {
      const won = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).tickClaims.claim(`replica-${i}`, 60_000, clock.now())));
      expect(won.filter(Boolean)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

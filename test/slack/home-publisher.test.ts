import type { HomeView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import type { HomeData, HomeService } from '../../src/services/home.js';
import { createLogger } from '../../src/services/logger.js';
import { createHomePublisher, HOME_PUBLISH_INTERVAL_MS } from '../../src/slack/home-publisher.js';
import { aCluster, aSpec } from '../support/clusters.js';

/** A publisher over a Home whose clusters the test sets, recording what Slack received and when (clock ms). */
function world() {
  const clock = new ManualClock();
  const start = clock.now().getTime();
  const names = new Map<string, string[]>();
  const published: { user: string; at: number; text: string }[] = [];
  const home: HomeService = {
    async homeFor(user): Promise<HomeData> {
      const myClusters = (names.get(user) ?? []).map((name) => ({
        id: `c-${name}`,
        name,
        status: 'Running' as const,
        channel: 'C0PLATFORM',
        region: 'ap-guangzhou',
        requestedBy: user,
        createdAt: '2026-01-01T09:00:00.000Z',
        kubeconfigEndpoints: [],
      }));
      return { user, approvals: [], myClusters, expiring: [] };
    },
    mayConcern: (cluster, user) => cluster.requestedBy === user,
  };
  const client = {
    views: {
      async publish(args: { user_id: string; view: HomeView }) {
        published.push({ user: args.user_id, at: clock.now().getTime() - start, text: JSON.stringify(args.view.blocks) });
        return { ok: true };
      },
    },
  };
  const publisher = createHomePublisher({ client, home, clock, logger: createLogger({ level: 'silent' }) });
  const change = (user: string, name: string) => {
    names.set(user, [...(names.get(user) ?? []), name]);
    publisher.changed([aCluster({ id: `c-${name}`, spec: aSpec({ name }), requestedBy: user })]);
  };
  return { clock, publisher, published, change };
}

describe('the App Home publisher', () => {
  it('publishes at most once per person per 5 s; changes in between go out once, at the end of the window, with the latest state', async () => {
    const { clock, publisher, published, change } = world();
    publisher.opened('U1');
    await publisher.idle();
    expect(published.map((p) => p.at)).toEqual([0]);

    for (const name of ['a', 'b', 'c']) {
      clock.advance(1_000);
      change('U1', name);
      publisher.flushDue(clock.now());
      await publisher.idle();
    }
    clock.advance(HOME_PUBLISH_INTERVAL_MS - 3_001);
    publisher.flushDue(clock.now());
    await publisher.idle();
    expect(published).toHaveLength(1);

    clock.advance(1);
    publisher.flushDue(clock.now());
    await publisher.idle();
    expect(published.map((p) => p.at)).toEqual([0, HOME_PUBLISH_INTERVAL_MS]);
    for (const name of ['a', 'b', 'c']) expect(published[1]?.text).toContain(`*${name}*`);

    // Nothing changed since: nothing more, however long.
    clock.advance(60_000);
    publisher.flushDue(clock.now());
    await publisher.idle();
    expect(published).toHaveLength(2);
  });

  it('publishes only for people who opened Home, and only those a change concerns', async () => {
    const { clock, publisher, published, change } = world();
    publisher.opened('U1');
    publisher.opened('U2');
    await publisher.idle();
    expect(published.map((p) => p.user).sort()).toEqual(['U1', 'U2']);

    clock.advance(HOME_PUBLISH_INTERVAL_MS);
    change('U3', 'never-opened');
    change('U2', 'for-u2');
    await publisher.idle();
    // After the window a change goes out at once, to U2 only.
    expect(published.slice(2).map((p) => p.user)).toEqual(['U2']);
    expect(published[2]?.text).toContain('for-u2');
    expect(published.map((p) => p.user)).not.toContain('U3');
  });
});

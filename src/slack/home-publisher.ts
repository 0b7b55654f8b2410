/**
 * Keeps App Home tabs current (views.publish), rate-limited per person.
 *
 * Only people who opened their Home tab since this process started get publishes: they are
 * remembered in memory, not in the store. Slack sends `app_home_opened` every time someone opens
 * the tab, so after a restart the set rebuilds itself as people look, and a person who never
 * looks costs nothing (no store writes, no record to clean up). Until they open it again after a
 * restart, a tab shows what was last published.
 *
 * A person's tab is published at most once per `minIntervalMs` (default 5 s). A request inside
 * that window is remembered, not sent; it is sent when the window is over (flushDue, called on a
 * timer in production and by tests with the injected clock), built then, so the trailing publish
 * carries the latest state. A view identical to the one last published is not sent again.
 */
import type { HomeView } from '@slack/types';
import type { Clock } from '../services/clock.js';
import type { ClusterRecord } from '../services/domain/index.js';
import type { HomeData, HomeService, HomeTabs } from '../services/home.js';
import type { Logger } from '../services/logger.js';
import { homeView } from '../views/home.js';

/** Never more than one views.publish per person per this many milliseconds. */
export const HOME_PUBLISH_INTERVAL_MS = 5_000;

/** The part of the Web API the publisher uses (a @slack/web-api WebClient satisfies it). */
export interface HomeClient {
  views: { publish(args: { user_id: string; view: HomeView }): Promise<unknown> };
}

export interface HomePublisher extends HomeTabs {
  /** Clusters changed (any write): republish the tabs they may appear on, or appeared on. */
  changed(clusters: readonly ClusterRecord[]): void;
  /** Sends the publishes whose window is over at `now`. */
  flushDue(now: Date): void;
  /** Resolves when no publish is under way. */
  idle(): Promise<void>;
}

interface Tab {
  /** When the last publish was sent (clock ms). */
  lastAt?: number;
  /** A publish is wanted (a change or an opening not yet shown). */
  pending: boolean;
  running?: Promise<void>;
  /** The view last published (JSON), and the clusters it showed. */
  shown?: string;
  clusterIds: ReadonlySet<string>;
}

export interface HomePublisherDeps {
  client: HomeClient;
  home: HomeService;
  clock: Clock;
  logger: Logger;
  minIntervalMs?: number;
}

const clusterIdsOf = (data: HomeData): Set<string> => new Set([...data.approvals, ...data.myClusters, ...data.expiring].map((c) => c.id));

export function createHomePublisher(deps: HomePublisherDeps): HomePublisher {
  const minIntervalMs = deps.minIntervalMs ?? HOME_PUBLISH_INTERVAL_MS;
  const tabs = new Map<string, Tab>();

  /** Publishes `user`'s tab if one is wanted, none is under way and the window is over. */
  function kick(user: string, tab: Tab, now: number): void {
    if (!tab.pending || tab.running) return;
    if (tab.lastAt !== undefined && now - tab.lastAt < minIntervalMs) return;
    tab.pending = false;
    tab.running = publish(user, tab).finally(() => {
      tab.running = undefined;
      kick(user, tab, deps.clock.now().getTime());
    });
  }

  async function publish(user: string, tab: Tab): Promise<void> {
    try {
      const data = await deps.home.homeFor(user);
      const view = homeView(data);
      const json = JSON.stringify(view);
      if (json === tab.shown) return;
      tab.lastAt = deps.clock.now().getTime();
      await deps.client.views.publish({ user_id: user, view });
      tab.shown = json;
      tab.clusterIds = clusterIdsOf(data);
    } catch (error) {
      // Tried again on the next change or opening; the tab shows what it showed.
      deps.logger.warn({ user, err: error instanceof Error ? error.message : String(error) }, 'could not publish the App Home tab');
    }
  }

  function request(user: string, tab: Tab): void {
    tab.pending = true;
    kick(user, tab, deps.clock.now().getTime());
  }

  return {
    opened(user) {
      let tab = tabs.get(user);
      if (!tab) tabs.set(user, (tab = { pending: false, clusterIds: new Set() }));
      request(user, tab);
    },
    changed(clusters) {
      for (const [user, tab] of tabs) {
        if (clusters.some((c) => tab.clusterIds.has(c.id) || deps.home.mayConcern(c, user))) request(user, tab);
      }
    },
    flushDue(now) {
      for (const [user, tab] of tabs) kick(user, tab, now.getTime());
    },
    async idle() {
      for (;;) {
        const running = [...tabs.values()].flatMap((tab) => (tab.running ? [tab.running] : []));
        if (running.length === 0) return;
        await Promise.all(running);
      }
    },
  };
}

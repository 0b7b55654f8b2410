import { describe, expect, it } from 'vitest';
import { slackTime, slackTimeAgo } from '../../src/views/cluster-format.js';

interface Names {
  userName(id: string): string;
  channelName(id: string): string;
  groupHandle(id: string): string;
}
// The page's own module (plain browser ESM, no types): imported by a computed path so tsc leaves it alone.
const pageModule = '../../src/sandbox/slack/public/mrkdwn.js';
const { mrkdwn } = (await import(pageModule)) as { mrkdwn: (text: string, names: Names) => string };
const names: Names = { userName: (id) => id, channelName: (id) => id, groupHandle: (id) => id };

describe('the local Slack page’s dates', () => {
  it('renders the root message’s "ago" date as the time since, as Slack does', () => {
    const twelveMinutesAgo = new Date(Date.now() - 12 * 60_000 - 5_000).toISOString();
    const html = mrkdwn(`Elapsed: started ${slackTimeAgo(twelveMinutesAgo)}`, names);
    expect(html).toMatch(/^Elapsed: started 12 minutes ago \(.+\)$/);
  });

  it('renders a plain date and time without the fallback text', () => {
    const html = mrkdwn(slackTime('2026-01-01T09:00:00.000Z'), names);
    expect(html).not.toContain('UTC');
    expect(html).toContain(new Date('2026-01-01T09:00:00.000Z').toLocaleTimeString());
  });
});

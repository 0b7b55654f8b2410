import { describe, expect, it } from 'vitest';
import { homeViewProblems } from '../../src/sandbox/slack/limits.js';
import type { HomeApprovalRequest, HomeCluster, HomeData, HomeMyCluster } from '../../src/services/home.js';
import { HOME_LIMITS, HOME_TITLES, homeView } from '../../src/views/home.js';
import { ActionIds } from '../../src/views/ids.js';

const aHomeCluster = (i: number, overrides: Partial<HomeCluster> = {}): HomeCluster => ({
  id: `c-${i}`,
  name: `cluster-${i}`,
  status: 'Running',
  project: 'platform',
  channel: 'C0PLATFORM',
  region: 'ap-guangzhou',
  requestedBy: 'U0MEMBER',
  createdAt: '2026-01-01T09:00:00.000Z',
  expiresAt: '2026-01-02T09:00:00.000Z',
  expirySetBy: 'U0MEMBER',
  ...overrides,
});

const aRequest = (i: number): HomeApprovalRequest => ({
  ...aHomeCluster(i, { status: 'AwaitingApproval' }),
  approvers: { kind: 'admins' },
  reason: { kind: 'always' },
  requestedAt: '2026-01-01T09:00:00.000Z',
  closesAt: '2026-01-02T09:00:00.000Z',
});

const mine = (i: number): HomeMyCluster => ({ ...aHomeCluster(i), kubeconfigEndpoints: ['private', 'public'] });

const empty: HomeData = { user: 'U0MEMBER', approvals: [], myClusters: [], expiring: [] };

const many = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('the App Home view', () => {
  it('stays within Slack\'s 100 blocks with long lists: each list capped, the rest counted', () => {
    const view = homeView({
      user: 'U0MEMBER',
      approvals: many(40).map(aRequest),
      myClusters: many(60).map(mine),
      expiring: many(40).map((i) => ({ ...aHomeCluster(i), expiresAt: '2026-01-02T09:00:00.000Z' })),
      createChannel: 'C0PLATFORM',
    });
    expect(homeViewProblems(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain(`…and ${40 - HOME_LIMITS.approvals} more`);
    expect(text).toContain(`…and ${60 - HOME_LIMITS.myClusters} more`);
    expect(text).toContain(`…and ${40 - HOME_LIMITS.expiring} more`);
    expect(text).toContain(`cluster-${HOME_LIMITS.myClusters - 1}*`);
    expect(text).not.toContain(`cluster-${HOME_LIMITS.myClusters}*`);
  });

  it('says what to do next in each empty section, and offers /tke create when no channel is known', () => {
    const view = homeView(empty);
    expect(homeViewProblems(view)).toEqual([]);
    const text = JSON.stringify(view.blocks);
    for (const title of Object.values(HOME_TITLES)) expect(text).toContain(title);
    expect(text).toContain('Nothing waits for you');
    expect(text).toContain("You have no clusters. Run `/tke create` in your team's channel");
    expect(text).toContain('Nothing of yours expires within 24 hours');
    expect(text).not.toContain(ActionIds.homeCreateCluster);
  });

  it('puts Create cluster at the top for the channel last used, and Get kubeconfig only for endpoints offered', () => {
    const view = homeView({ ...empty, myClusters: [mine(1), { ...aHomeCluster(2, { status: 'Provisioning' }), kubeconfigEndpoints: [] }], createChannel: 'C0DATA' });
    const top = view.blocks[0] as { accessory?: { action_id: string; value: string } };
    expect(top.accessory).toMatchObject({ action_id: ActionIds.homeCreateCluster, value: 'C0DATA' });
    const text = JSON.stringify(view.blocks);
    expect(text).toContain(`"value":"c-1:private"`);
    expect(text).toContain(`"value":"c-1:public"`);
    expect(text).not.toContain('c-2:');
  });
});

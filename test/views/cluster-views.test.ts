import type { Button, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { messageProblems } from '../../src/sandbox/slack/limits.js';
import { listItem, overviewInput, rootInput } from '../../src/services/cluster-summary.js';
import { formatDuration, messageUrl, progressBar } from '../../src/views/cluster-format.js';
import { clusterListMessage } from '../../src/views/cluster-list.js';
import { clusterOverviewMessage } from '../../src/views/cluster-overview.js';
import { clusterRootMessage } from '../../src/views/cluster-root.js';
import { ActionIds } from '../../src/views/ids.js';
import type { WorkerPoolSpec } from '../../src/services/store-schema.js';
import { aCluster, aSpec } from '../support/clusters.js';

const NOW = new Date('2026-01-01T09:12:05.000Z');

/** Every mrkdwn/plain text in the blocks, for "what the user reads" assertions. */
function texts(blocks: KnownBlock[]): string {
  return JSON.stringify(blocks);
}

/** Slack's limits, checked by the one implementation the local Slack enforces (src/sandbox/slack/limits.ts). */
const expectWithinSlackLimits = (blocks: KnownBlock[]) => expect(messageProblems(blocks)).toEqual([]);

const halfway = aCluster({
  progress: {
    controlPlaneRunningAt: '2026-01-01T09:01:00.000Z',
    publicEndpointRequestedAt: '2026-01-01T09:01:00.000Z',
    endpointReadyAt: '2026-01-01T09:01:30.000Z',
    pools: [{ name: 'default', nodePoolId: 'np-1' }],
    addons: [],
  },
  thread: { channel: 'C0PLATFORM', ts: '1700000001.000100' },
});

describe('cluster formatting', () => {
  it('draws a ten-cell progress bar with the percentage', () => {
    expect(progressBar(50)).toBe('▓▓▓▓▓░░░░░ 50%');
    expect(progressBar(0)).toBe('░░░░░░░░░░ 0%');
    expect(progressBar(100)).toBe('▓▓▓▓▓▓▓▓▓▓ 100%');
    expect(progressBar(37)).toBe('▓▓▓░░░░░░░ 37%');
  });

  it('writes durations as minutes and zero-padded seconds', () => {
    expect(formatDuration(12 * 60_000 + 5_000)).toBe('12m 05s');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(3_600_000 + 2 * 60_000 + 5_000)).toBe('1h 02m 05s');
  });

  it('links to a thread with the ts without its dot', () => {
    expect(messageUrl('C0PLATFORM', '1700000001.000100')).toBe('https://slack.com/archives/C0PLATFORM/p1700000001000100');
  });
});

describe('the provisioning thread root message', () => {
  it('shows name, profile, region, cloud account, requester, status, progress, elapsed time and an Overview button', () => {
    const { blocks, text } = clusterRootMessage(rootInput(halfway, NOW, 'acme-prod'));
    const shown = texts(blocks);
    for (const part of ['prod-1', 'ubuntu-mariadb', 'ap-guangzhou', 'acme-prod', '<@U0MEMBER>', 'Provisioning', '▓▓▓▓▓░░░░░ 50%', 'Elapsed: started']) {
      expect(shown).toContain(part);
    }
    const actions = blocks.find((b) => b.type === 'actions');
    expect(actions?.type === 'actions' && actions.elements[0]).toMatchObject({ action_id: ActionIds.clusterOverview, value: halfway.id, text: { text: 'Overview' } });
    expect(text).toContain('prod-1: Provisioning');
    expectWithinSlackLimits(blocks);
  });

  it('shows the elapsed time as a Slack "ago" date, which Slack keeps current between edits', () => {
    const seconds = Date.parse(halfway.createdAt) / 1000;
    for (const cluster of [halfway, aCluster(), aCluster({ status: 'Creating', tkeClusterId: undefined })]) {
      const shown = texts(clusterRootMessage(rootInput(cluster, NOW, 'acme-prod')).blocks);
      expect(shown).toContain(`·  Elapsed: started <!date^${seconds}^{ago} ({time})|2026-01-01 09:00 UTC>`);
    }
  });

  it('shows Running with the total time once the cluster is ready', () => {
    const running = aCluster({ status: 'Running', progress: { ...halfway.progress, readyAt: '2026-01-01T09:06:30.000Z' } });
    const shown = texts(clusterRootMessage(rootInput(running, NOW, 'acme-prod')).blocks);
    expect(shown).toContain('Running');
    expect(shown).toContain('Total time 6m 30s');
  });

  it("shows Failed with Tencent's code, message and request id", () => {
    const failed = aCluster({
      status: 'Failed',
      failure: { code: 'ResourceInsufficient.Instance', message: 'No S5.MEDIUM4 left in ap-guangzhou-3', requestId: 'req-42', action: 'CreateClusterNodePool' },
    });
    const shown = texts(clusterRootMessage(rootInput(failed, NOW, 'acme-prod')).blocks);
    expect(shown).toContain('Failed');
    expect(shown).toContain('ResourceInsufficient.Instance');
    expect(shown).toContain('No S5.MEDIUM4 left in ap-guangzhou-3');
    expect(shown).toContain('req-42');
  });
});

describe('the cluster overview', () => {
  it('lists steps done and pending, worker pools with node counts, the endpoint and the thread link', () => {
    const { blocks } = clusterOverviewMessage(overviewInput(halfway, NOW, 'acme-prod'));
    const shown = texts(blocks);
    expect(shown).toContain(':white_check_mark: Control plane running — after 1m 00s');
    expect(shown).toContain(':white_check_mark: Endpoint ready — after 1m 30s');
    expect(shown).toContain(':hourglass_flowing_sand: Worker pool default ready — in progress');
    expect(shown).toContain(':white_small_square: Add-ons installed (mariadb) — pending');
    expect(shown).toContain('*default*: 2 desired (min 1, max 3)');
    expect(shown).toContain('Public — ready · access from 203.0.113.0/24');
    expect(shown).toContain('https://slack.com/archives/C0PLATFORM/p1700000001000100');
    expectWithinSlackLimits(blocks);
  });

  it('shows the nodes each ready pool reported', () => {
    const ready = aCluster({ progress: { ...halfway.progress, pools: [{ name: 'default', nodePoolId: 'np-1', readyAt: NOW.toISOString(), readyNodes: 2 }] } });
    expect(texts(clusterOverviewMessage(overviewInput(ready, NOW, 'acme-prod')).blocks)).toContain('2/2 nodes ready');
  });

  it('tells what became of each pool once the cluster failed: nodes ready then, created but not ready, or never created', () => {
    const failed = aCluster({
      status: 'Failed',
      failedAt: '2026-01-01T09:00:33.000Z',
      spec: aSpec({ workerPools: ['a', 'b', 'c'].map((name) => ({ ...(aSpec().workerPools[0] as WorkerPoolSpec), name })) }),
      progress: { ...halfway.progress, pools: [{ name: 'a', nodePoolId: 'np-a', readyAt: '2026-01-01T09:00:30.000Z', readyNodes: 2 }, { name: 'b', nodePoolId: 'np-b' }] },
    });
    const shown = texts(clusterOverviewMessage(overviewInput(failed, NOW, 'acme-prod')).blocks);
    expect(shown).toContain(':white_check_mark: *a*: 2/2 nodes ready when the cluster failed');
    expect(shown).toContain(':x: *b*: not ready when the cluster failed');
    expect(shown).toContain(':white_small_square: *c*: never created');
    expect(shown).toContain('Public — ready when the cluster failed · access from 203.0.113.0/24');
    expect(shown).toContain('· Failed after 33s');
    expect(texts(clusterRootMessage(rootInput(failed, NOW, 'acme-prod')).blocks)).toContain('Failed after 33s');
  });

  it('shows the pools and endpoint Tencent created as being deleted while the cluster is Deleting', () => {
    const deleting = aCluster({ ...halfway, status: 'Deleting', deletion: { requestedBy: 'U0PADMIN1', requestedAt: '2026-01-01T09:10:00.000Z' } });
    const shown = texts(clusterOverviewMessage(overviewInput(deleting, NOW, 'acme-prod')).blocks);
    expect(shown).toContain(':wastebasket: *default*: being deleted with the cluster');
    expect(shown).toContain('Public — being deleted with the cluster');
    expect(shown).toContain('Deleting since <!date^');
    expect(shown).not.toContain('%');
  });

  it('renders the deletion slot: the buttons it is given and the force-delete line', () => {
    const input = overviewInput(halfway, NOW, 'acme-prod');
    const button: Button = { type: 'button', action_id: 'cluster_delete', text: { type: 'plain_text', text: 'Delete cluster' }, value: halfway.id };
    const { blocks } = clusterOverviewMessage({ ...input, deletion: { buttons: [button], note: 'Force delete available in 7m 30s' } });
    expect(texts(blocks)).toContain('Force delete available in 7m 30s');
    expect(blocks.at(-1)).toEqual({ type: 'actions', elements: [button] });
  });
});

describe('the cluster list', () => {
  it('shows each cluster with its status, region and profile, linked to its thread', () => {
    const { blocks } = clusterListMessage('payments', [listItem(halfway), listItem(aCluster({ spec: aSpec({ name: 'stage' }), status: 'Running' }))]);
    const shown = texts(blocks);
    expect(shown).toContain('<https://slack.com/archives/C0PLATFORM/p1700000001000100|prod-1>* — Provisioning 50%');
    expect(shown).toContain('*stage* — Running · ap-guangzhou · ubuntu-mariadb');
  });

  it('says so when the project has no cluster', () => {
    expect(clusterListMessage('payments', []).text).toBe('No clusters in payments. Create one with `/tke create`.');
  });

  it('stays within 50 blocks and 3,000 characters per section for 600 clusters', () => {
    const many = Array.from({ length: 600 }, (_, i) =>
      listItem(aCluster({ spec: aSpec({ name: `cluster-with-a-long-name-${'x'.repeat(20)}-${i}` }), thread: { channel: 'C0PLATFORM', ts: `17000${i}.000100` } })),
    );
    const { blocks } = clusterListMessage('payments', many);
    expectWithinSlackLimits(blocks);
    expect(texts(blocks)).toContain('…and 150 more.');
  });
});

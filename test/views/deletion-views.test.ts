import type { Button, KnownBlock, ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { messageProblems, viewProblems } from '../../src/sandbox/slack/limits.js';
import { overviewInput, rootInput } from '../../src/services/cluster-summary.js';
import { createdWorkerPools, deletionSummary } from '../../src/services/deletion-rules.js';
import type { LeftoverResources } from '../../src/services/tke.js';
import { timeLeft } from '../../src/views/cluster-format.js';
import { clusterOverviewMessage } from '../../src/views/cluster-overview.js';
import { clusterRootMessage } from '../../src/views/cluster-root.js';
import { deleteModal, deletionExpiredModal, deletionNoticeModal, parseDeletionMetadata } from '../../src/views/delete-modal.js';
import {
  deleteButton,
  deletionReplies,
  forcedMessage,
  forceDeleteButton,
  forceDeleteNote,
  forceDeleteOfferMessage,
} from '../../src/views/deletion-thread.js';
import { forceDeleteLoadingModal, forceDeleteModal } from '../../src/views/force-delete-modal.js';
import { ActionIds, BlockIds, CallbackIds } from '../../src/views/ids.js';
import { aCluster, aSpec } from '../support/clusters.js';

const POINTER = { clusterId: 'c-prod-1', channel: 'C0PLATFORM' };
const NOW = new Date('2026-01-01T09:11:48.000Z');

const leftovers = (n: number): LeftoverResources => ({
  instances: Array.from({ length: n }, (_, i) => ({ instanceId: `ins-${i}`, name: `tke_cls-test0001_worker_${i}`, state: 'RUNNING', tags: [] })),
  disks: Array.from({ length: n }, (_, i) => ({ diskId: `disk-${i}`, name: `system-disk-${i}`, state: 'ATTACHED', tags: [] })),
  loadBalancers: [{ loadBalancerId: 'lb-public1', name: 'cls-test0001-public', tags: [] }],
});

/** Slack's limits, checked by the one implementation the local Slack enforces (src/sandbox/slack/limits.ts). */
const expectModalWithinSlackLimits = (view: ModalView) => expect(viewProblems(view)).toEqual([]);
const expectMessageWithinSlackLimits = (blocks: KnownBlock[]) => expect(messageProblems(blocks)).toEqual([]);
const expectButtonWithinLimits = (button: Button) => expectMessageWithinSlackLimits([{ type: 'actions', elements: [button] }]);

const inputOf = (view: ModalView, blockId: string) => (view.blocks as KnownBlock[]).find((b) => b.block_id === blockId);

describe('the delete modal', () => {
  const view = deleteModal({ ...POINTER, name: 'prod-1', tkeClusterId: 'cls-test0001', region: 'ap-guangzhou', workerPools: aSpec().workerPools });

  it('says what will be removed: the cluster, its VMs and their storage disks', () => {
    const shown = JSON.stringify(view.blocks);
    expect(shown).toContain('*prod-1* (TKE cluster `cls-test0001`, ap-guangzhou)');
    expect(shown).toContain('The cluster and its control plane');
    expect(shown).toContain('Worker pool *default*: its VMs (2 VMs desired, at most 3, S5.MEDIUM4) and their 50 GB system disks');
    expect(shown).toContain('storage disks');
  });

  it('asks for the cluster name in a text field', () => {
    const input = inputOf(view, BlockIds.deleteConfirmName);
    expect(input).toMatchObject({
      type: 'input',
      label: { text: 'Type the cluster name to confirm' },
      element: { type: 'plain_text_input', action_id: ActionIds.deleteConfirmName },
    });
    expect(view.callback_id).toBe(CallbackIds.deleteConfirm);
    expect(view.submit?.text).toBe('Delete cluster');
  });

  it('carries a small versioned pointer to the cluster', () => {
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({ v: 1, ...POINTER });
    expect(parseDeletionMetadata(view.private_metadata)).toEqual(POINTER);
    expect(parseDeletionMetadata('{"v":2,"clusterId":"c"}')).toBeUndefined();
    expect(parseDeletionMetadata('not json')).toBeUndefined();
  });

  it('stays within Slack limits, even for a cluster with a very long name and many pools', () => {
    const pools = Array.from({ length: 60 }, (_, i) => ({ ...aSpec().workerPools[0], name: `pool-${i}-${'x'.repeat(40)}` })) as ReturnType<typeof aSpec>['workerPools'];
    expectModalWithinSlackLimits(view);
    expectModalWithinSlackLimits(deleteModal({ ...POINTER, name: 'n'.repeat(300), region: 'ap-guangzhou', workerPools: pools }));
    expectModalWithinSlackLimits(deletionExpiredModal());
    expectModalWithinSlackLimits(deletionNoticeModal(`Tencent said: ${'no '.repeat(2000)}`));
  });
});

describe('the force-delete modal', () => {
  const view = forceDeleteModal({ ...POINTER, name: 'prod-1', tkeClusterId: 'cls-test0001', leftovers: leftovers(1) });

  it('lists the resources still present with their ids and names, and warns they must be cleaned up', () => {
    const shown = JSON.stringify(view.blocks);
    for (const part of ['`ins-0` tke_cls-test0001_worker_0 (RUNNING)', '`disk-0` system-disk-0', '`lb-public1` cls-test0001-public', '*CVM instances (1)*', '*CBS disks (1)*', '*CLB load balancers (1)*']) {
      expect(shown).toContain(part);
    }
    expect(shown).toContain('*clean them up*');
    expect(shown).toContain('every instance, disk and load balancer terminated, even those under deletion protection');
    expect(shown).toContain(`tagged \`tke-clusterId=cls-test0001\` or \`tkeops-cluster=${POINTER.clusterId}\` are still present`);
  });

  it('asks for the cluster name again', () => {
    expect(inputOf(view, BlockIds.forceDeleteConfirmName)).toMatchObject({
      label: { text: 'Type the cluster name to confirm' },
      element: { action_id: ActionIds.forceDeleteConfirmName },
    });
    expect(view.callback_id).toBe(CallbackIds.forceDeleteConfirm);
    expect(parseDeletionMetadata(view.private_metadata)).toEqual(POINTER);
  });

  it('says where to look when the lookup failed', () => {
    const failed = forceDeleteModal({ ...POINTER, name: 'prod-1', tkeClusterId: 'cls-test0001', lookupFailure: { code: 'AuthFailure', message: 'no' } });
    expect(JSON.stringify(failed.blocks)).toContain('could not list the resources left: *AuthFailure*: no');
  });

  it('stays within Slack limits with hundreds of leftovers, counting the ones not listed', () => {
    const many = forceDeleteModal({ ...POINTER, name: 'prod-1', tkeClusterId: 'cls-test0001', leftovers: leftovers(400) });
    expectModalWithinSlackLimits(many);
    expect(JSON.stringify(many.blocks)).toContain('…and 375 more');
    expectModalWithinSlackLimits(view);
    expectModalWithinSlackLimits(forceDeleteLoadingModal({ ...POINTER, name: 'prod-1' }));
  });
});

describe('the thread and overview deletion messages', () => {
  it('offers Force Delete Cluster with a confirm dialog, mentioning on-call', () => {
    const offer = forceDeleteOfferMessage({ clusterId: 'c-prod-1', name: 'prod-1', stuckMs: 15 * 60_000, onCall: { userGroups: ['S0ONCALL'], users: [] } });
    expect(offer.text).toContain('<!subteam^S0ONCALL> *prod-1* has been stuck in Deleting for 15m 00s');
    const actions = offer.blocks.find((b) => b.type === 'actions');
    const button = actions?.type === 'actions' ? (actions.elements[0] as Button) : undefined;
    expect(button).toMatchObject({ action_id: ActionIds.clusterForceDelete, value: 'c-prod-1', style: 'danger', text: { text: 'Force Delete Cluster' } });
    expect(button?.confirm?.title?.text).toBe('Force delete prod-1?');
    expectMessageWithinSlackLimits(offer.blocks);
  });

  it('posts the force delete with the leftovers to clean up', () => {
    const message = forcedMessage({ user: 'U0ONCALL1', name: 'prod-1', owner: { id: 'c-prod-1', tkeClusterId: 'cls-test0001' }, leftovers: leftovers(1) });
    expect(message.text).toContain('<@U0ONCALL1> force deleted *prod-1*');
    expect(message.text).toContain('must be cleaned up: 1 instance, 1 disk and 1 load balancer');
    expect(JSON.stringify(message.blocks)).toContain('`ins-0`');
    expectMessageWithinSlackLimits(forcedMessage({ user: 'U1', name: 'prod-1', owner: { id: 'c-1', tkeClusterId: 'cls-1' }, leftovers: leftovers(500) }).blocks);
  });

  it('counts in the deletion reply only the worker pools Tencent created, not the ones the spec asked for', () => {
    const gpu = { ...aSpec().workerPools[0], name: 'gpu', desiredSize: 3 } as ReturnType<typeof aSpec>['workerPools'][number];
    const spec = aSpec({ workerPools: [...aSpec().workerPools, gpu] });
    const reply = (pools: { name: string; nodePoolId?: string }[]) =>
      deletionReplies.requested({ user: 'U0PADMIN1', name: 'prod-1', tkeClusterId: 'cls-test0001', createdPools: createdWorkerPools(aCluster({ spec, progress: { pools, addons: [] } })) });

    expect(reply([])).toContain('Tencent is deleting TKE cluster `cls-test0001` (no worker pools had been created yet).');
    expect(reply([{ name: 'default' }])).toContain('(no worker pools had been created yet)');
    expect(reply([{ name: 'default', nodePoolId: 'np-1' }])).toContain('the VMs of its worker pool (2 desired) are terminated with their disks.');
    expect(reply([{ name: 'default', nodePoolId: 'np-1' }, { name: 'gpu', nodePoolId: 'np-2' }])).toContain('the VMs of its 2 worker pools (5 desired) are terminated');
  });

  it('rounds the time left up to the second', () => {
    expect(timeLeft(192_000)).toBe('3m 12s');
    expect(timeLeft(400)).toBe('1s');
    expect(timeLeft(-5)).toBe('0s');
  });

  it("fills the overview's slot with the Delete button", () => {
    const running = aCluster({ status: 'Running' });
    const { blocks } = clusterOverviewMessage({ ...overviewInput(running, NOW, 'acme'), deletion: { buttons: [deleteButton(running.id)] } });
    const actions = blocks.filter((b) => b.type === 'actions');
    expect(JSON.stringify(actions)).toContain(ActionIds.clusterDelete);
    expectMessageWithinSlackLimits(blocks);
  });

  it('says in the overview how long until force delete is available', () => {
    const stuck = aCluster({ status: 'Deleting', deletion: { requestedBy: 'U0PADMIN1', requestedAt: '2026-01-01T09:00:00.000Z' } });
    const summary = deletionSummary(stuck, NOW);
    const note = forceDeleteNote({ kind: 'wait', ms: 3 * 60_000 + 12_000 }, summary ?? { requestedBy: '', requestedAt: '', elapsedMs: 0 });
    const { blocks } = clusterOverviewMessage({ ...overviewInput(stuck, NOW, 'acme'), deletion: { buttons: [], note } });
    expect(JSON.stringify(blocks)).toContain('Deletion approved by <@U0PADMIN1> 11m 48s ago. Force delete available in 3m 12s.');
    const ready = forceDeleteNote({ kind: 'available', allowed: true }, summary ?? { requestedBy: '', requestedAt: '', elapsedMs: 0 });
    expect(ready).toContain('Force delete available now.');
    expectButtonWithinLimits(forceDeleteButton(stuck.id, 'x'.repeat(300)));
  });
});

describe('the root message while and after deleting', () => {
  const requested = { requestedBy: 'U0PADMIN1', requestedAt: '2026-01-01T09:00:00.000Z' };

  it('shows Deleting since the approval as a Slack date, which stays true between edits, and who approved it', () => {
    const { text, blocks } = clusterRootMessage(rootInput(aCluster({ status: 'Deleting', deletion: requested }), NOW, 'acme'));
    const since = `<!date^${Date.parse(requested.requestedAt) / 1000}^{date_short_pretty} {time}|2026-01-01 09:00 UTC>`;
    expect(text).toBe(`prod-1: Deleting (Deleting since ${since} · approved by <@U0PADMIN1>)`);
    expect(JSON.stringify(blocks)).toContain(`Deleting since ${since} · approved by <@U0PADMIN1>`);
    expect(JSON.stringify(blocks)).toContain(':wastebasket: *prod-1* — Deleting');
    expect(JSON.stringify(blocks)).not.toContain('▓');
    expectMessageWithinSlackLimits(blocks);
  });

  it('shows Deleted with how long the deletion took', () => {
    const deleted = aCluster({ status: 'Deleted', deletion: { ...requested, deletedAt: '2026-01-01T09:01:05.000Z' } });
    expect(clusterRootMessage(rootInput(deleted, NOW, 'acme')).text).toBe('prod-1: Deleted (Deleted after 1m 05s · approved by <@U0PADMIN1>)');
  });

  it('shows Deleted (forced) with who forced it', () => {
    const forced = aCluster({ status: 'DeletedForced', deletion: { ...requested, forcedBy: 'U0ONCALL1', forcedAt: '2026-01-01T09:16:00.000Z' } });
    const { text, blocks } = clusterRootMessage(rootInput(forced, NOW, 'acme'));
    expect(text).toBe('prod-1: Deleted (forced) (Force deleted by <@U0ONCALL1> after 16m 00s · approved by <@U0PADMIN1>)');
    expect(JSON.stringify(blocks)).toContain('— Deleted (forced)');
  });
});

import type { App, BlockAction, ViewSubmitAction } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { checkPoolSizes } from '../services/cluster-spec.js';
import type { ClusterRecord, WizardPoolForm } from '../services/domain/index.js';
import { poolField } from '../services/domain/rules.js';
import { addPoolButton, newAddedPoolForm, poolAddModal } from '../views/pool-add-modal.js';
import { applyPoolState, errorsForBlocks, fieldOfBlock } from '../views/wizard/fields.js';
import type { Services } from '../services/services.js';
import { dayTwoRefusalText } from '../views/day-two.js';
import { deletionExpiredModal } from '../views/delete-modal.js';
import { usageText } from '../views/help.js';
import { ActionIds, BlockIds, CallbackIds } from '../views/ids.js';
import { policyRefusalText } from '../views/policy-refusals.js';
import { poolRemoveModal, typedPoolNameProblem } from '../views/pool-remove-modal.js';
import { parseScaleMetadata, poolOfScaleAction, SCALE_ACTION_PATTERN, SCALE_FIELDS, scaleModal, scalePoolButtons, type ScaleModalPointer } from '../views/scale-modal.js';
import type { DeletionSlot } from './cluster-status.js';
import { parseClusterClick, stateValuesOf } from './slack-payloads.js';
import { receivedNow, tellUser } from './tell-user.js';
import { namedCluster, type Viewer } from './named-cluster.js';
import { typedText } from './slack-payloads.js';
import type { Subcommand } from './tke-command.js';

export type PoolServices = Pick<Services, 'poolChanges' | 'changeApprovals' | 'policy' | 'clusterLookup' | 'logger' | 'clock'>;

/** The overview's slot with a "Scale <pool>" button per pool added, for those who may change a Running cluster's pools now. */
export function withPoolButtons(services: PoolServices, slot: DeletionSlot): DeletionSlot {
  return async (cluster, viewer) => {
    const [filled, refusal] = await Promise.all([slot(cluster, viewer), changeRefusal(services, cluster, viewer)]);
    if (refusal) return filled;
    const buttons = [...scalePoolButtons(cluster.id, cluster.spec.workerPools.map((p) => p.name)), addPoolButton(cluster.id)];
    return { ...filled, buttons: [...(filled?.buttons ?? []), ...buttons] };
  };
}

const USAGE = usageText('Usage: `/tke scale <cluster> [pool]` — the pool may be left out when the cluster has one.');
/** The wizard's field keys for the scale form's one pool. */
const POOL_KEY = 'scale';

/** Why this viewer may not change the cluster's pools now (the policy, then another operation under way). */
async function changeRefusal(services: PoolServices, cluster: ClusterRecord, viewer: Viewer): Promise<string | undefined> {
  const decision = await services.policy.check('cluster.changePools', { ...viewer, project: cluster.project });
  if (!decision.allowed) return policyRefusalText(decision.refusal);
  const refusal = services.poolChanges.changeRefusal(cluster);
  return refusal && dayTwoRefusalText(refusal);
}

/** `/tke scale <cluster> [pool]`: the scale modal with the pool's sizes and Tencent's nodes. */
export function scaleSubcommand(services: PoolServices): Subcommand {
  return async (request) => {
    const { ack, command, client, respond, args } = request;
    const [name, poolName, ...extra] = args;
    if (extra.length > 0) {
      await ack({ response_type: 'ephemeral', text: USAGE });
      return;
    }
    const named = await namedCluster({ ...request, args: name ? [name] : [] }, services.clusterLookup, USAGE);
    if (!named) return;
    const { cluster, viewer } = named;
    const refusal = await changeRefusal(services, cluster, viewer);
    const pools = cluster.spec.workerPools.map((p) => p.name);
    const pool = poolName ?? (pools.length === 1 ? pools[0] : undefined);
    const poolProblem =
      pool === undefined || !pools.includes(pool) ? dayTwoRefusalText({ kind: 'noSuchPool', pool: pool ?? '', pools }) : undefined;
    if (refusal || poolProblem) {
      await ack({ response_type: 'ephemeral', text: refusal ?? (pool === undefined ? USAGE : (poolProblem as string)) });
      return;
    }
    await ack();
    try {
      const now = (await services.poolChanges.poolsNow(cluster)).find((p) => p.spec.name === pool);
      if (!now) throw new Error(`pool ${pool} vanished`);
      await client.views.open({ trigger_id: command.trigger_id, view: scaleModal({ clusterId: cluster.id, clusterName: cluster.spec.name, channel: viewer.channel, pool: now }) });
    } catch (error) {
      services.logger.error({ err: error, clusterId: cluster.id }, 'could not open the scale modal');
      await respond({ response_type: 'ephemeral', text: `The scale form did not open; run \`/tke scale ${cluster.spec.name} ${pool}\` again.` });
    }
  };
}

const POOL_USAGE = usageText('Usage: `/tke pool add <cluster>` or `/tke pool remove <cluster> <pool>` — see `/tke status <cluster>` for its pools.');

/** The add-pool modal for the cluster: the wizard's pool form with its VPC's zones and instance types (asked of Tencent). */
async function addPoolModal(services: PoolServices, cluster: ClusterRecord, channel: string, form?: WizardPoolForm): Promise<ModalView> {
  const options = await services.poolChanges.addPoolChoices(cluster);
  return poolAddModal({
    clusterId: cluster.id,
    clusterName: cluster.spec.name,
    channel,
    vpcId: cluster.spec.vpcId,
    pools: cluster.spec.workerPools.map((p) => p.name),
    form: form ?? newAddedPoolForm(cluster.spec.workerPools),
    options,
  });
}

/** `/tke pool add <cluster>`: the add-pool modal, for those who may change the cluster's pools now. */
function poolAdd(services: PoolServices): Subcommand {
  return async (request) => {
    const { ack, command, client, respond, args } = request;
    const named = await namedCluster({ ...request, args: args.slice(1) }, services.clusterLookup, POOL_USAGE);
    if (!named) return;
    const { cluster, viewer } = named;
    const refusal = await changeRefusal(services, cluster, viewer);
    if (refusal) {
      await ack({ response_type: 'ephemeral', text: refusal });
      return;
    }
    await ack();
    try {
      await client.views.open({ trigger_id: command.trigger_id, view: await addPoolModal(services, cluster, viewer.channel) });
    } catch (error) {
      services.logger.error({ err: error, clusterId: cluster.id }, 'could not open the add-pool modal');
      await respond({ response_type: 'ephemeral', text: `The add-pool form did not open; run \`/tke pool add ${cluster.spec.name}\` again.` });
    }
  };
}

/** `/tke pool add <cluster>`, or `/tke pool remove <cluster> <pool>`: the typed-name confirmation, refused for the cluster's last pool. */
export function poolSubcommand(services: PoolServices): Subcommand {
  const add = poolAdd(services);
  return async (request) => {
    const { ack, command, client, respond, args } = request;
    const [verb, name, poolName, ...extra] = args;
    if (verb === 'add') {
      await add(request);
      return;
    }
    if (verb !== 'remove' || !name || !poolName || extra.length > 0) {
      await ack({ response_type: 'ephemeral', text: POOL_USAGE });
      return;
    }
    const named = await namedCluster({ ...request, args: [name] }, services.clusterLookup, POOL_USAGE);
    if (!named) return;
    const { cluster, viewer } = named;
    const blocked = services.poolChanges.removeRefusal(cluster, poolName);
    const refusal = (await changeRefusal(services, cluster, viewer)) ?? (blocked && dayTwoRefusalText(blocked));
    const pool = cluster.spec.workerPools.find((p) => p.name === poolName);
    if (refusal || !pool) {
      await ack({ response_type: 'ephemeral', text: refusal ?? POOL_USAGE });
      return;
    }
    await ack();
    try {
      await client.views.open({ trigger_id: command.trigger_id, view: poolRemoveModal({ clusterId: cluster.id, clusterName: cluster.spec.name, channel: viewer.channel, pool }) });
    } catch (error) {
      services.logger.error({ err: error, clusterId: cluster.id }, 'could not open the remove-pool modal');
      await respond({ response_type: 'ephemeral', text: `Slack did not open the form in time; run \`/tke pool remove ${cluster.spec.name} ${pool.name}\` again.` });
    }
  };
}

/** The scale modal's submission: the wizard's pool size rules inline, then the change starts. */
/**
 * The cluster a pool modal (scale, add, remove) was submitted for, with who submitted it where; a
 * modal whose cluster is gone is answered with the expired modal (acked) and gives undefined.
 */
async function submittedCluster(
  services: PoolServices,
  view: ViewSubmitAction['view'],
  user: string,
  ack: (response: { response_action: 'update'; view: ModalView }) => Promise<void>,
): Promise<{ pointer: ScaleModalPointer; cluster: ClusterRecord; viewer: Viewer } | undefined> {
  const pointer = parseScaleMetadata(view.private_metadata);
  const cluster = pointer && (await services.clusterLookup.get(pointer.clusterId));
  if (!pointer || !cluster) {
    await ack({ response_action: 'update', view: deletionExpiredModal() });
    return undefined;
  }
  return { pointer, cluster, viewer: { user, channel: pointer.channel } };
}

export function register(app: App, services: PoolServices): void {
  app.action(SCALE_ACTION_PATTERN, async ({ ack, body, client, action }) => {
    await ack();
    const click = parseClusterClick(body);
    const pool = 'action_id' in action ? poolOfScaleAction(action.action_id) : undefined;
    if (!click || !pool) {
      services.logger.warn('Scale click without user, channel, trigger, cluster or pool');
      return;
    }
    const viewer = { user: click.user, channel: click.channel, responseUrl: receivedNow(services, click.responseUrl) };
    const cluster = await services.clusterLookup.get(click.clusterId);
    const refusal = cluster ? await changeRefusal(services, cluster, viewer) : 'That cluster no longer exists.';
    try {
      const now = cluster && !refusal ? (await services.poolChanges.poolsNow(cluster)).find((p) => p.spec.name === pool) : undefined;
      if (!cluster || !now) {
        await tellUser(client, services, viewer, { text: refusal ?? dayTwoRefusalText({ kind: 'noSuchPool', pool, pools: cluster?.spec.workerPools.map((p) => p.name) ?? [] }) });
        return;
      }
      await client.views.open({ trigger_id: click.triggerId, view: scaleModal({ clusterId: cluster.id, clusterName: cluster.spec.name, channel: viewer.channel, pool: now }) });
    } catch (error) {
      services.logger.error({ err: error, clusterId: click.clusterId }, 'could not open the scale modal');
      await tellUser(client, services, viewer, { text: 'The scale form did not open; click Scale again.' });
    }
  });

  app.view<ViewSubmitAction>(CallbackIds.poolScale, async ({ ack, body, view, client }) => {
    const submitted = await submittedCluster(services, view, body.user.id, ack);
    if (!submitted) return;
    const { pointer, cluster, viewer } = submitted;
    const typed = {
      minSize: typedText(view.state.values, SCALE_FIELDS.minSize.blockId, SCALE_FIELDS.minSize.actionId),
      desiredSize: typedText(view.state.values, SCALE_FIELDS.desiredSize.blockId, SCALE_FIELDS.desiredSize.actionId),
      maxSize: typedText(view.state.values, SCALE_FIELDS.maxSize.blockId, SCALE_FIELDS.maxSize.actionId),
    };
    const checked = checkPoolSizes(POOL_KEY, typed);
    if (!checked.ok) {
      const errors: Record<string, string> = {};
      for (const field of ['minSize', 'desiredSize', 'maxSize'] as const) {
        const problem = checked.errors[`pool:${POOL_KEY}:${field}`];
        if (typeof problem === 'string') errors[SCALE_FIELDS[field].blockId] = problem;
      }
      await ack({ response_action: 'errors', errors });
      return;
    }
    const refusal = await changeRefusal(services, cluster, viewer);
    if (refusal) {
      await ack({ response_action: 'errors', errors: { [SCALE_FIELDS.desiredSize.blockId]: refusal } });
      return;
    }
    if (services.changeApprovals.scaleRule(cluster, pointer.pool, checked.value)) {
      // A growth under an approval rule is priced first (slow): the modal closes, a refusal is told privately.
      await ack();
      const started = await services.changeApprovals.startScale(cluster.id, viewer.user, pointer.pool, checked.value);
      if (!started.ok) await tellUser(client, services, viewer, { text: dayTwoRefusalText(started.refusal) });
      return;
    }
    const started = await services.poolChanges.startScale(cluster.id, viewer.user, pointer.pool, checked.value);
    if (!started.ok) {
      await ack({ response_action: 'errors', errors: { [SCALE_FIELDS.desiredSize.blockId]: dayTwoRefusalText(started.refusal) } });
      return;
    }
    await ack();
  });

  app.action(ActionIds.clusterAddPool, async ({ ack, body, client }) => {
    await ack();
    const click = parseClusterClick(body);
    if (!click) {
      services.logger.warn('Add pool click without user, channel, trigger or cluster');
      return;
    }
    const viewer = { user: click.user, channel: click.channel, responseUrl: receivedNow(services, click.responseUrl) };
    const cluster = await services.clusterLookup.get(click.clusterId);
    const refusal = cluster ? await changeRefusal(services, cluster, viewer) : 'That cluster no longer exists.';
    try {
      if (!cluster || refusal) {
        await tellUser(client, services, viewer, { text: refusal ?? 'That cluster no longer exists.' });
        return;
      }
      await client.views.open({ trigger_id: click.triggerId, view: await addPoolModal(services, cluster, viewer.channel) });
    } catch (error) {
      services.logger.error({ err: error, clusterId: click.clusterId }, 'could not open the add-pool modal');
      await tellUser(client, services, viewer, { text: 'The add-pool form did not open; click Add worker pool again.' });
    }
  });

  // The pool form's zones dispatch (as in the wizard): the instance types sold in every chosen zone are offered again.
  app.action<BlockAction>({ type: 'block_actions', action_id: ActionIds.wizardPoolZones, callback_id: CallbackIds.poolAdd }, async ({ ack, body, client }) => {
    await ack();
    const view = body.view;
    const pointer = parseScaleMetadata(view?.private_metadata);
    const cluster = pointer && (await services.clusterLookup.get(pointer.clusterId));
    if (!view || !pointer || !cluster) return;
    const form = applyPoolState(newAddedPoolForm(cluster.spec.workerPools), stateValuesOf(view.state.values));
    try {
      await client.views.update({ view_id: view.id, hash: view.hash, view: await addPoolModal(services, cluster, pointer.channel, form) });
    } catch (error) {
      services.logger.warn({ err: error, clusterId: cluster.id }, 'could not redraw the add-pool modal');
    }
  });

  app.view<ViewSubmitAction>(CallbackIds.poolAdd, async ({ ack, body, view }) => {
    const submitted = await submittedCluster(services, view, body.user.id, ack);
    if (!submitted) return;
    const { cluster, viewer } = submitted;
    const form = applyPoolState(newAddedPoolForm(cluster.spec.workerPools), stateValuesOf(view.state.values));
    const blockIds = view.blocks.flatMap((b) => (b.block_id ? [b.block_id] : []));
    const nameBlock = blockIds.find((id) => fieldOfBlock(id) === poolField(form.key, 'name')) ?? '';
    const refusal = await changeRefusal(services, cluster, viewer);
    if (refusal) {
      await ack({ response_action: 'errors', errors: { [nameBlock]: refusal } });
      return;
    }
    // The wizard's rules need the zones and instance types Tencent sells there (as the form showed them).
    const checked = services.poolChanges.checkAddPool(cluster, form, await services.poolChanges.addPoolChoices(cluster));
    if (!checked.ok) {
      const shown = errorsForBlocks(checked.errors, blockIds);
      await ack({ response_action: 'errors', errors: 'inline' in shown ? shown.inline : { [nameBlock]: shown.notice } });
      return;
    }
    const started = await services.poolChanges.startAdd(cluster.id, viewer.user, checked.value);
    if (!started.ok) {
      await ack({ response_action: 'errors', errors: { [nameBlock]: dayTwoRefusalText(started.refusal) } });
      return;
    }
    await ack();
  });

  app.view<ViewSubmitAction>(CallbackIds.poolRemove, async ({ ack, body, view }) => {
    const submitted = await submittedCluster(services, view, body.user.id, ack);
    if (!submitted) return;
    const { pointer, cluster, viewer } = submitted;
    const typed = typedText(view.state.values, BlockIds.poolRemoveName, ActionIds.poolRemoveName);
    const problem = (await changeRefusal(services, cluster, viewer)) ?? typedPoolNameProblem(typed, pointer.pool);
    if (problem) {
      await ack({ response_action: 'errors', errors: { [BlockIds.poolRemoveName]: problem } });
      return;
    }
    const started = await services.poolChanges.startRemove(cluster.id, viewer.user, pointer.pool);
    if (!started.ok) {
      await ack({ response_action: 'errors', errors: { [BlockIds.poolRemoveName]: dayTwoRefusalText(started.refusal) } });
      return;
    }
    await ack();
  });
}

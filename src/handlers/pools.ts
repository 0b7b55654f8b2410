import type { App, ViewSubmitAction } from '@slack/bolt';
import { checkPoolSizes } from '../services/cluster-spec.js';
import type { ClusterRecord } from '../services/domain/index.js';
import type { Services } from '../services/services.js';
import { dayTwoRefusalText } from '../views/day-two.js';
import { deletionExpiredModal } from '../views/delete-modal.js';
import { usageText } from '../views/help.js';
import { CallbackIds } from '../views/ids.js';
import { policyRefusalText } from '../views/policy-refusals.js';
import { parseScaleMetadata, SCALE_FIELDS, scaleModal } from '../views/scale-modal.js';
import { namedCluster, type Viewer } from './named-cluster.js';
import { typedText } from './slack-payloads.js';
import type { Subcommand } from './tke-command.js';

export type PoolServices = Pick<Services, 'poolChanges' | 'policy' | 'clusterLookup' | 'logger' | 'clock'>;

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

/** The scale modal's submission: the wizard's pool size rules inline, then the change starts. */
export function register(app: App, services: PoolServices): void {
  app.view<ViewSubmitAction>(CallbackIds.poolScale, async ({ ack, body, view }) => {
    const pointer = parseScaleMetadata(view.private_metadata);
    const cluster = pointer && (await services.clusterLookup.get(pointer.clusterId));
    if (!pointer || !cluster) {
      await ack({ response_action: 'update', view: deletionExpiredModal() });
      return;
    }
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
    const viewer = { user: body.user.id, channel: pointer.channel };
    const refusal = await changeRefusal(services, cluster, viewer);
    if (refusal) {
      await ack({ response_action: 'errors', errors: { [SCALE_FIELDS.desiredSize.blockId]: refusal } });
      return;
    }
    const started = await services.poolChanges.startScale(cluster.id, viewer.user, pointer.pool, checked.value);
    if (!started.ok) {
      await ack({ response_action: 'errors', errors: { [SCALE_FIELDS.desiredSize.blockId]: dayTwoRefusalText(started.refusal) } });
      return;
    }
    await ack();
  });
}

import type { App, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { confirmationProblem, UNKNOWN_CLUSTER } from '../services/deletion-rules.js';
import { DeletionError } from '../services/deletion.js';
import type { Services } from '../services/services.js';
import type { ClusterRecord } from '../services/store-schema.js';
import { deletionExpiredModal, parseDeletionMetadata } from '../views/delete-modal.js';
import { deletionRefusalText } from '../views/deletion-refusals.js';
import { parseClusterClick, typedText, type ClusterClick } from './slack-payloads.js';
import type { Viewer } from './named-cluster.js';
import { receivedNow, tellUser, type Recipient } from './tell-user.js';

/** What Delete and Force Delete each bring to the steps they share (click, typed-name confirmation). */
export interface DeletionFlow {
  /** The button, as the log names a malformed click: 'Delete', 'Force delete'. */
  button: string;
  /** The flow, as the log names it: 'deletion', 'force-delete'. */
  topic: string;
  /** Why this viewer may not do it to the cluster now, or undefined when they may. */
  refusal(cluster: ClusterRecord, viewer: Viewer): Promise<string | undefined>;
}

/** A private answer to the viewer (see tellUser: response_url, ephemeral, else a direct message); a failure is only logged. */
export async function tellViewer(client: WebClient, services: Services, flow: DeletionFlow, viewer: Recipient, text: string): Promise<void> {
  const delivery = await tellUser(client, services, viewer, { text });
  if (!delivery) services.logger.warn({ user: viewer.user, topic: flow.topic }, `could not tell the user a ${flow.topic} message`);
}

export interface ClickedCluster {
  click: ClusterClick;
  /** The clicking user, their channel and the click's response_url. */
  viewer: Recipient & Viewer;
  cluster: ClusterRecord;
}

/**
 * The cluster a button click is about, when the user may act on it now. Otherwise the user is told
 * why (privately), or a malformed click is logged, and the result is undefined.
 */
async function clickedCluster(body: unknown, client: WebClient, services: Services, flow: DeletionFlow): Promise<ClickedCluster | undefined> {
  const click = parseClusterClick(body);
  if (!click) {
    services.logger.warn(`${flow.button} click without user, channel, trigger or cluster`);
    return undefined;
  }
  const who: Viewer = { user: click.user, channel: click.channel };
  const viewer = { ...who, responseUrl: receivedNow(services, click.responseUrl) };
  const cluster = services.clusterLookup.get(click.clusterId);
  const refusal = cluster ? await flow.refusal(cluster, who) : UNKNOWN_CLUSTER;
  if (refusal || !cluster) {
    await tellViewer(client, services, flow, viewer, refusal ?? UNKNOWN_CLUSTER);
    return undefined;
  }
  return { click, viewer, cluster };
}

/** A Delete or Force Delete button: ack, then `open` its modal when the user may act on the cluster now. */
export function onClusterButton(
  app: App,
  services: Services,
  flow: DeletionFlow,
  actionId: string,
  open: (clicked: ClickedCluster, client: WebClient) => Promise<void>,
): void {
  app.action(actionId, async ({ ack, body, client }) => {
    await ack();
    const clicked = await clickedCluster(body, client, services, flow);
    if (clicked) await open(clicked, client);
  });
}

export interface TypedNameConfirmation {
  callbackId: string;
  /** The name input's ids in the modal. */
  blockId: string;
  actionId: string;
  /** Does it, after the ack; a DeletionError's refusal is shown to the user as it is. */
  run(clusterId: string, user: string): Promise<unknown>;
  /** Logged, and shown to the user, when `run` fails with anything else. */
  failureLog: string;
  failureText(name: string): string;
}

/**
 * The submission of a deletion modal that asks for the cluster name: an unreadable pointer or a
 * vanished cluster shows the expired notice; a refusal or a wrong name is an inline error on the
 * name; otherwise ack, then run, telling the user privately when it fails.
 */
export function onTypedNameConfirmation(app: App, services: Services, flow: DeletionFlow, confirmation: TypedNameConfirmation): void {
  app.view<ViewSubmitAction>(confirmation.callbackId, async ({ ack, body, view, client }) => {
    const pointer = parseDeletionMetadata(view.private_metadata);
    const cluster = pointer && services.clusterLookup.get(pointer.clusterId);
    if (!pointer || !cluster) {
      await ack({ response_action: 'update', view: deletionExpiredModal() });
      return;
    }
    const who: Viewer = { user: body.user.id, channel: pointer.channel };
    const viewer = { ...who, responseUrl: pointer.responseUrl };
    const typed = typedText(view.state.values, confirmation.blockId, confirmation.actionId);
    const problem = (await flow.refusal(cluster, who)) ?? confirmationProblem(typed, cluster.spec.name);
    if (problem) {
      await ack({ response_action: 'errors', errors: { [confirmation.blockId]: problem } });
      return;
    }
    await ack();
    try {
      await confirmation.run(cluster.id, viewer.user);
    } catch (error) {
      if (!(error instanceof DeletionError)) services.logger.error({ err: error, clusterId: cluster.id }, confirmation.failureLog);
      const text = error instanceof DeletionError ? deletionRefusalText(error.refusal) : confirmation.failureText(cluster.spec.name);
      await tellViewer(client, services, flow, viewer, text);
    }
  });
}

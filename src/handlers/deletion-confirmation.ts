import type { App, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { confirmationProblem, UNKNOWN_CLUSTER } from '../services/deletion-rules.js';
import { DeletionError } from '../services/deletion.js';
import type { Services } from '../services/services.js';
import type { ClusterRecord } from '../services/domain/index.js';
import { overviewInput } from '../services/cluster-summary.js';
import { clusterOverviewMessage, type ClusterOverviewInput } from '../views/cluster-overview.js';
import { deletionExpiredModal, parseDeletionMetadata, type DeletionModalPointer } from '../views/delete-modal.js';
import { deletionRefusalText } from '../views/deletion-refusals.js';
import { parseClusterClick, typedText, type ClusterClick } from './slack-payloads.js';
import type { Viewer } from './named-cluster.js';
import { receivedNow, replaceClickedMessage, tellUser, type Recipient } from './tell-user.js';

/** What the steps Delete and Force Delete share use. */
export type ConfirmationServices = Pick<Services, 'clusterLookup' | 'logger' | 'clock'>;

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
export async function tellViewer(client: WebClient, services: ConfirmationServices, flow: DeletionFlow, viewer: Recipient, text: string): Promise<void> {
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
async function clickedCluster(body: unknown, client: WebClient, services: ConfirmationServices, flow: DeletionFlow): Promise<ClickedCluster | undefined> {
  const click = parseClusterClick(body);
  if (!click) {
    services.logger.warn(`${flow.button} click without user, channel, trigger or cluster`);
    return undefined;
  }
  const who: Viewer = { user: click.user, channel: click.channel };
  const viewer = { ...who, responseUrl: receivedNow(services, click.responseUrl) };
  const cluster = await services.clusterLookup.get(click.clusterId);
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
  services: ConfirmationServices,
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
  /** Does it, after the ack; a DeletionError's refusal is shown to the user (views/deletion-refusals.ts). Resolves with the cluster after it. */
  run(clusterId: string, user: string): Promise<ClusterRecord>;
  /** Once done: replaces the message whose button opened the modal (see DeletionModalPointer's `from`). */
  done(cluster: ClusterRecord, pointer: DeletionModalPointer, viewer: Viewer): Promise<void>;
  /** Logged, and shown to the user, when `run` fails with anything else. */
  failureLog: string;
  failureText(name: string): string;
}

/**
 * The submission of a deletion modal that asks for the cluster name: an unreadable pointer or a
 * vanished cluster shows the expired notice; a refusal or a wrong name is an inline error on the
 * name; otherwise ack, then run, telling the user privately when it fails.
 */
export function onTypedNameConfirmation(app: App, services: ConfirmationServices, flow: DeletionFlow, confirmation: TypedNameConfirmation): void {
  app.view<ViewSubmitAction>(confirmation.callbackId, async ({ ack, body, view, client }) => {
    const pointer = parseDeletionMetadata(view.private_metadata);
    const cluster = pointer && (await services.clusterLookup.get(pointer.clusterId));
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
    let done: ClusterRecord;
    try {
      done = await confirmation.run(cluster.id, viewer.user);
    } catch (error) {
      if (!(error instanceof DeletionError)) services.logger.error({ err: error, clusterId: cluster.id }, confirmation.failureLog);
      const text = error instanceof DeletionError ? deletionRefusalText(error.refusal) : confirmation.failureText(cluster.spec.name);
      await tellViewer(client, services, flow, viewer, text);
      return;
    }
    await confirmation.done(done, pointer, who);
  });
}

/**
 * Replaces the ephemeral overview whose button was clicked with the cluster as it is now (and the
 * deletion slot for that viewer), so a Delete cluster button is not offered once a deletion started.
 */
export async function replaceClickedOverview(
  services: Pick<Services, 'accounts' | 'clock' | 'logger'>,
  pointer: DeletionModalPointer,
  cluster: ClusterRecord,
  slot?: ClusterOverviewInput['deletion'],
): Promise<void> {
  if (pointer.from !== 'overview') return;
  const input = overviewInput(cluster, services.clock.now(), services.accounts.nameOf(cluster.spec.accountId));
  await replaceClickedMessage(services, pointer.responseUrl, clusterOverviewMessage({ ...input, ...(slot ? { deletion: slot } : {}) }));
}

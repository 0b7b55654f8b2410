import type { DayTwoRefusal, DayTwoKind } from '../services/domain/index.js';
import type { PoolSizes, ThreadEvent } from '../lifecycle/events.js';
import { escapeMrkdwn, failureText, formatDuration } from './cluster-format.js';

const ago = (ms: number) => (ms < 60_000 ? 'less than a minute ago' : ms < 3_600_000 ? `${Math.floor(ms / 60_000)} min ago` : `${formatDuration(ms)} ago`);

/** An operation's name inside a sentence: lower case, except a proper noun (Kubernetes). */
const inSentence = (name: string) => (name.startsWith('Kubernetes') ? name : name.toLowerCase());

/** How a day-two operation is named in Slack. */
export const DAY_TWO_NAMES: Record<DayTwoKind, string> = {
  scalePool: 'Worker pool scaling',
  removePool: 'Worker pool removal',
  addPool: 'Worker pool addition',
  upgrade: 'Kubernetes upgrade',
};

const sizes = (s: PoolSizes) => `min ${s.minSize} · desired ${s.desiredSize} · max ${s.maxSize}`;

type DayTwoEvent = Extract<ThreadEvent, { kind: 'poolScaleRequested' | 'poolScaled' | 'poolRemoveRequested' | 'poolRemoved' | 'poolAddRequested' | 'poolAdded' | 'dayTwoFailed' }>;

/** The thread replies of day-two operations. */
export function dayTwoMessage(event: DayTwoEvent): string {
  switch (event.kind) {
    case 'poolScaleRequested':
      return `:arrows_counterclockwise: Scaling worker pool *${escapeMrkdwn(event.pool)}*: ${sizes(event.before)} → ${sizes(event.after)}.`;
    case 'poolScaled':
      return (
        `:white_check_mark: <@${event.user}> worker pool *${escapeMrkdwn(event.pool)}* now has ${event.readyNodes} ready node${event.readyNodes === 1 ? '' : 's'} ` +
        `(min ${event.minSize}, max ${event.maxSize}). Took ${formatDuration(event.elapsedMs)}.`
      );
    case 'poolRemoveRequested':
      return `:wastebasket: Removing worker pool *${escapeMrkdwn(event.pool)}*: Tencent terminates its nodes and their disks.`;
    case 'poolRemoved':
      return `:white_check_mark: <@${event.user}> worker pool *${escapeMrkdwn(event.pool)}* is removed. Took ${formatDuration(event.elapsedMs)}.`;
    case 'poolAddRequested':
      return (
        `:heavy_plus_sign: Adding worker pool *${escapeMrkdwn(event.pool)}*: ${escapeMrkdwn(event.instanceType)} in ${event.zones.map(escapeMrkdwn).join(', ')}, ` +
        `${sizes(event.sizes)}.`
      );
    case 'poolAdded':
      return (
        `:white_check_mark: <@${event.user}> worker pool *${escapeMrkdwn(event.pool)}* is added with ${event.readyNodes} ready node${event.readyNodes === 1 ? '' : 's'}. ` +
        `Took ${formatDuration(event.elapsedMs)}.`
      );
    case 'dayTwoFailed':
      return `:x: <@${event.user}> ${inSentence(DAY_TWO_NAMES[event.operation])} failed; the cluster is still Running. ${failureText(event.failure)}`;
  }
}

/** Why a day-two operation cannot start. */
export function dayTwoRefusalText(refusal: DayTwoRefusal): string {
  switch (refusal.kind) {
    case 'changeInProgress':
      if (refusal.awaitingApproval)
        return `${DAY_TWO_NAMES[refusal.running]} of pool *${escapeMrkdwn(refusal.awaitingApproval.pool)}* awaits approval, asked by <@${refusal.startedBy}> ${ago(refusal.ageMs)}. Try again when it is decided.`;
      return `${DAY_TWO_NAMES[refusal.running]} in progress, started by <@${refusal.startedBy}> ${ago(refusal.ageMs)}. Try again when it is done.`;
    case 'notRunning':
      return `The cluster is ${refusal.status}; only a Running cluster can be changed.`;
    case 'lastPool':
      return `${escapeMrkdwn(refusal.pool)} is the cluster's last worker pool; a cluster keeps at least one. Add another pool first.`;
    case 'poolExists':
      return `The cluster already has a worker pool named ${escapeMrkdwn(refusal.pool)}; pick another name.`;
    case 'noUpgrade':
      return `Tencent offers no newer Kubernetes version for this cluster (it runs ${escapeMrkdwn(refusal.version)}).`;
    case 'versionNotOffered':
      return `Tencent no longer offers Kubernetes ${escapeMrkdwn(refusal.version)} for this cluster${refusal.offered.length > 0 ? `; it offers ${refusal.offered.map(escapeMrkdwn).join(', ')}` : ''}. Open the upgrade again.`;
    case 'noSuchPool':
      return `The cluster has no worker pool called ${escapeMrkdwn(refusal.pool)}; its pools: ${refusal.pools.map(escapeMrkdwn).join(', ')}.`;
  }
}

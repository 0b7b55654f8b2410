import type { Button, KnownBlock } from '@slack/types';
import type { ClusterOverviewData, PoolOverview } from '../services/cluster-summary.js';
import { section } from './blocks.js';
import { endpointLabel, escapeMrkdwn, failureText, formatDuration, messageUrl, progressBar, statusEmoji, statusLabel } from './cluster-format.js';
import { clusterFacts } from './cluster-root.js';

export type { PoolOverview } from '../services/cluster-summary.js';

export interface ClusterOverviewInput extends ClusterOverviewData {
  /**
   * Deletion slot, filled by the deletion feature: the buttons this user may use on the cluster
   * (Delete cluster, Force Delete Cluster) and a line such as "Force delete available in 7m 30s".
   */
  deletion?: { buttons: Button[]; note?: string };
}

function stepLines(input: ClusterOverviewInput): string {
  const start = Date.parse(input.createdAt);
  const current = input.steps.find((s) => s.doneAt === undefined)?.key;
  return input.steps
    .map((step) => {
      if (step.doneAt !== undefined) return `:white_check_mark: ${escapeMrkdwn(step.label)} — after ${formatDuration(Date.parse(step.doneAt) - start)}`;
      const waiting = step.key === current && input.status !== 'Failed';
      return `${waiting ? ':hourglass_flowing_sand:' : ':white_small_square:'} ${escapeMrkdwn(step.label)} — ${waiting ? 'in progress' : 'pending'}`;
    })
    .join('\n');
}

function poolLine(pool: PoolOverview): string {
  const nodes = pool.readyNodes === undefined ? `${pool.desiredSize} desired` : `${pool.readyNodes}/${pool.desiredSize} nodes ready`;
  const state = pool.ready ? ':white_check_mark:' : ':hourglass_flowing_sand:';
  return (
    `${state} *${escapeMrkdwn(pool.name)}*: ${nodes} (min ${pool.minSize}, max ${pool.maxSize}) · ` +
    `${escapeMrkdwn(pool.instanceType)} · ${pool.zones.map(escapeMrkdwn).join(', ')} · ${pool.diskGb} GB disk`
  );
}

/** The ephemeral cluster overview of `/tke status <name>` and the root message's Overview button. */
export function clusterOverviewMessage(input: ClusterOverviewInput): { text: string; blocks: KnownBlock[] } {
  const status = statusLabel(input.status);
  const time = input.status === 'Running' ? `total time ${formatDuration(input.elapsedMs)}` : `elapsed ${formatDuration(input.elapsedMs)}`;
  const endpoint = input.endpoint;
  const cidrs = endpoint.public ? ` · access from ${endpoint.cidrs.length > 0 ? endpoint.cidrs.join(', ') : 'anywhere'}` : '';
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          `${statusEmoji(input.status)} *${escapeMrkdwn(input.name)}* — ${status}` +
          `${input.tkeClusterId ? ` · \`${input.tkeClusterId}\`` : ''}\n\`${progressBar(input.percent)}\` · ${time}`,
      },
    },
    clusterFacts(input),
    section(`*Steps*\n${stepLines(input)}`),
    section(`*Worker pools*\n${input.pools.map(poolLine).join('\n')}`),
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Endpoint*\n${escapeMrkdwn(endpointLabel(endpoint.access))} — ${endpoint.ready ? 'ready' : 'not ready yet'}${cidrs}`,
      },
    },
  ];
  if (input.status === 'Failed' && input.failure) {
    blocks.push(section(`:x: ${failureText(input.failure)}`));
  }
  const links = input.thread ? `<${messageUrl(input.thread.channel, input.thread.ts)}|Open the provisioning thread>` : 'No provisioning thread yet.';
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links }] });
  // Deletion slot: the deletion feature passes the buttons this user may use and the force-delete line.
  if (input.deletion?.note) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: input.deletion.note }] });
  if (input.deletion && input.deletion.buttons.length > 0) blocks.push({ type: 'actions', elements: input.deletion.buttons });
  return { text: `${input.name}: ${status} (${progressBar(input.percent)})`, blocks };
}

import type { KnownBlock } from '@slack/types';
import { section } from './blocks.js';
import { clip, escapeMrkdwn } from './cluster-format.js';

/** How much of an unknown subcommand the help echoes back: enough to recognise a typo. */
const ECHO_MAX = 60;

export interface SubcommandHelp {
  usage: string;
  summary: string;
}

export const SUBCOMMAND_HELP: readonly SubcommandHelp[] = [
  { usage: '/tke create [name]', summary: 'Create a cluster: opens the cluster wizard, with the name filled in when given.' },
  { usage: '/tke delete <cluster>', summary: 'Delete a cluster (you type its name to confirm).' },
  { usage: '/tke scale <cluster> [pool]', summary: "Change a worker pool's minimum, desired and maximum node counts." },
  { usage: '/tke pool add <cluster>', summary: 'Add a worker pool (the wizard’s pool form: sizes, zones, instance type, disk).' },
  { usage: '/tke upgrade <cluster>', summary: 'Upgrade Kubernetes one minor version: the control plane, then the worker nodes in batches.' },
  { usage: '/tke pool remove <cluster> <pool>', summary: 'Remove a worker pool (you type its name to confirm; never the last one).' },
  { usage: '/tke status <cluster>', summary: "Show a cluster's overview: status, steps, worker pools, endpoint." },
  { usage: '/tke list', summary: "List the clusters of this channel's project with their status." },
  { usage: '/tke kubeconfig <cluster> [private|public]', summary: "Get a cluster's kubeconfig, as a file in your direct messages (admins)." },
  { usage: '/tke protect <cluster>', summary: 'Turn on deletion protection: the cluster cannot be deleted (admins).' },
  { usage: '/tke unprotect <cluster>', summary: 'Turn deletion protection off again (admins).' },
  { usage: '/tke account add | list | remove <name>', summary: 'Manage cloud accounts (Tencent Secret ID + Secret Key).' },
  { usage: '/tke profile list | show <name>', summary: 'List cluster profiles, or show one with its packs.' },
  { usage: '/tke help', summary: 'Show this help.' },
];

/**
 * A usage reply (`Usage: \`/tke status <cluster>\` — …`) as mrkdwn: `<` and `>` escaped, so Slack shows
 * `<cluster>` as typed instead of reading it as a link.
 */
export const usageText = (text: string): string => escapeMrkdwn(text);

/** The ephemeral help; `unknown` is the subcommand the user typed that tkeops does not know. */
export function helpMessage(unknown?: string): { text: string; blocks: KnownBlock[] } {
  const intro = unknown
    ? `I don't know \`/tke ${escapeMrkdwn(clip(unknown, ECHO_MAX))}\`. Here is what I can do:`
    : 'tkeops runs Tencent Kubernetes Engine clusters from Slack. Commands:';
  return {
    text: intro,
    blocks: [
      section(intro),
      {
        type: 'section',
        text: { type: 'mrkdwn', text: SUBCOMMAND_HELP.map((h) => `• \`${escapeMrkdwn(h.usage)}\` — ${h.summary}`).join('\n') },
      },
    ],
  };
}

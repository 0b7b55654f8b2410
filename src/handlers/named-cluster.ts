import type { ClusterLookup } from '../services/cluster-lookup.js';
import type { ClusterRecord } from '../services/domain/index.js';
import { noClusterCalledText } from '../views/cluster-list.js';
import type { SubcommandRequest } from './tke-command.js';

/** Who is looking at a cluster, and from which channel (the channel decides the project). */
export type Viewer = { user: string; channel: string };

/**
 * `/tke <subcommand> <cluster>`: the cluster of that name in the channel's project. Without exactly
 * one name, or without such a cluster, it answers itself (an ephemeral ack) and returns undefined.
 */
export async function namedCluster(
  request: Pick<SubcommandRequest, 'ack' | 'command' | 'args'>,
  clusterLookup: ClusterLookup,
  usage: string,
): Promise<{ cluster: ClusterRecord; viewer: Viewer } | undefined> {
  const { ack, command, args } = request;
  const [name, ...extra] = args;
  if (!name || extra.length > 0) {
    await ack({ response_type: 'ephemeral', text: usage });
    return undefined;
  }
  const viewer = { user: command.user_id, channel: command.channel_id };
  const cluster = await clusterLookup.findByName(viewer.channel, name);
  if (!cluster) {
    await ack({ response_type: 'ephemeral', text: noClusterCalledText(name, clusterLookup.scopeOf(viewer.channel)) });
    return undefined;
  }
  return { cluster, viewer };
}

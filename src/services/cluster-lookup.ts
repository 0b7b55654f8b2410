import { CLUSTER_STATUSES, isGone, type Cluster } from './domain/index.js';
import type { Policy } from './policy-types.js';
import type { ClusterRepository } from './repositories/repositories.js';

/**
 * Finds clusters the way people name them in a channel: within the channel's project (clusters
 * created from channels of no project share one namespace, as Deploy's name rule does: a name
 * belongs to at most one cluster that is not deleted, whatever its case).
 */
export interface ClusterLookup {
  /** The project's clusters that are not deleted, by name. */
  listForChannel(channel: string): Promise<Cluster[]>;
  /** The project's cluster called `name` (any case); a deleted one only when no live one has the name. */
  findByName(channel: string, name: string): Promise<Cluster | undefined>;
  get(clusterId: string): Promise<Cluster | undefined>;
  /** Whose clusters the channel sees: its project's, or (a channel of no project) those of every channel of no project. */
  scopeOf(channel: string): ClusterScope;
  /** Whether a cluster of the project (undefined: of no project) that is not deleted has this name. */
  isNameTaken(project: string | undefined, name: string): Promise<boolean>;
}

/** The clusters a channel names and lists: its project's, or, for a channel of no project, named from that channel. */
export type ClusterScope = { kind: 'project'; project: string } | { kind: 'channel'; channel: string };

/** Every status but the deleted ones. */
const LIVE = CLUSTER_STATUSES.filter((status) => !isGone(status));

export function createClusterLookup(deps: { clusters: ClusterRepository; policy: Pick<Policy, 'projectForChannel'> }): ClusterLookup {
  const projectOf = (channel: string) => deps.policy.projectForChannel(channel)?.name;
  return {
    listForChannel: async (channel) =>
      (await deps.clusters.list({ project: projectOf(channel) ?? null, status: LIVE })).sort((a, b) => a.spec.name.localeCompare(b.spec.name)),
    findByName: (channel, name) => deps.clusters.findByName(projectOf(channel), name),
    get: (clusterId) => deps.clusters.get(clusterId),
    scopeOf: (channel) => {
      const project = projectOf(channel);
      return project ? { kind: 'project', project } : { kind: 'channel', channel };
    },
    isNameTaken: async (project, name) => {
      const found = await deps.clusters.findByName(project, name);
      return found !== undefined && !isGone(found.status);
    },
  };
}

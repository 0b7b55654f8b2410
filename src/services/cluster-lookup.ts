import { isGone } from './deletion-rules.js';
import type { Policy } from './policy-types.js';
import type { ClusterRecord, StoreData } from './store-schema.js';
import type { Store } from './store.js';

/**
 * The cluster name rule the wizard and Deploy share: within a project (clusters created from
 * channels of no project share one scope), a name belongs to at most one cluster that is not
 * deleted, whatever its case.
 */
export function isClusterNameTaken(data: Pick<StoreData, 'clusters'>, project: string | undefined, name: string): boolean {
  const wanted = name.toLowerCase();
  return data.clusters.some((c) => c.project === project && !isGone(c.status) && c.spec.name.toLowerCase() === wanted);
}

/**
 * Finds clusters the way people name them in a channel: within the channel's project (clusters
 * created from channels of no project share one namespace, as Deploy's name rule does).
 */
export interface ClusterLookup {
  /** The project's clusters that are not deleted, by name. */
  listForChannel(channel: string): ClusterRecord[];
  /** The project's cluster called `name` (any case); a deleted one only when no live one has the name. */
  findByName(channel: string, name: string): ClusterRecord | undefined;
  get(clusterId: string): ClusterRecord | undefined;
  /** The name the channel's scope goes by: its project, or the channel itself. */
  scopeName(channel: string): string;
  /** Whether a cluster of the project (undefined: of no project) that is not deleted has this name. */
  isNameTaken(project: string | undefined, name: string): boolean;
}

export function createClusterLookup(deps: { store: Store; policy: Pick<Policy, 'projectForChannel'> }): ClusterLookup {
  const inScope = (channel: string) => {
    const project = deps.policy.projectForChannel(channel)?.name;
    return deps.store.read((data) => data.clusters.filter((c) => c.project === project));
  };
  return {
    listForChannel: (channel) =>
      inScope(channel)
        .filter((c) => !isGone(c.status))
        .sort((a, b) => a.spec.name.localeCompare(b.spec.name)),
    findByName(channel, name) {
      const named = inScope(channel).filter((c) => c.spec.name.toLowerCase() === name.toLowerCase());
      const live = named.find((c) => !isGone(c.status));
      return live ?? named.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    },
    get: (clusterId) => deps.store.read((data) => data.clusters.find((c) => c.id === clusterId)),
    scopeName: (channel) => {
      const project = deps.policy.projectForChannel(channel)?.name;
      return project ? `project ${project}` : `<#${channel}>`;
    },
    isNameTaken: (project, name) => deps.store.read((data) => isClusterNameTaken(data, project, name)),
  };
}

/**
 * Kubernetes upgrades of a Running cluster (day two). Starting one writes it on the cluster record
 * (`change`, kind `upgrade`) in one repository update that first checks no other operation runs;
 * the watcher runs it (src/lifecycle/day-two.ts): the control plane, then the worker nodes in batches.
 */
import { randomBytes } from 'node:crypto';
import type { AccountService } from './accounts.js';
import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import type { ClusterRecord, DayTwoRefusal, UpgradeType } from './domain/index.js';
import type { PoolChangeService, StartResult } from './pool-changes.js';
import type { ClusterRepository } from './repositories/repositories.js';
import type { TkeGateway } from './tke.js';

/** What the user picked in the upgrade modal, with the versions Tencent offered when it opened. */
export interface UpgradeChoice {
  version: string;
  upgradeType: UpgradeType;
  maxUnavailable: number;
  offered: readonly string[];
}

export interface UpgradeService {
  /** The control plane's version as tkeops knows it (the last upgrade's, else the plan's). */
  versionOf(cluster: ClusterRecord): string;
  /** The versions Tencent offers the cluster now (DescribeAvailableClusterVersion). */
  offered(cluster: ClusterRecord): Promise<string[]>;
  /** Why the cluster cannot be upgraded to anything now (another operation, not Running, nothing offered), or undefined. */
  refusal(cluster: ClusterRecord, offered?: readonly string[]): DayTwoRefusal | undefined;
  /** Starts the upgrade (the watcher does the rest), unless another operation runs or the version is not offered. */
  start(clusterId: string, user: string, choice: UpgradeChoice): Promise<StartResult>;
}

export interface UpgradeDeps {
  clusters: Pick<ClusterRepository, 'update'>;
  tke: Pick<TkeGateway, 'describeAvailableClusterVersions'>;
  accounts: Pick<AccountService, 'credentialFor'>;
  poolChanges: Pick<PoolChangeService, 'changeRefusal'>;
  clock: Clock;
  audit: Audit;
}

export function createUpgradeService(deps: UpgradeDeps): UpgradeService {
  const versionOf = (cluster: ClusterRecord): string => cluster.kubernetes?.controlPlane ?? cluster.plan?.kubernetesVersion ?? 'unknown';

  function refusal(cluster: ClusterRecord, offered?: readonly string[]): DayTwoRefusal | undefined {
    const busy = deps.poolChanges.changeRefusal(cluster);
    if (busy) return busy;
    if (offered && offered.length === 0) return { kind: 'noUpgrade', version: versionOf(cluster) };
    return undefined;
  }

  return {
    versionOf,
    refusal,

    async offered(cluster) {
      if (!cluster.tkeClusterId) return [];
      const target = { credential: deps.accounts.credentialFor(cluster.spec.accountId), region: cluster.spec.region };
      return deps.tke.describeAvailableClusterVersions(target, cluster.tkeClusterId);
    },

    async start(clusterId, user, choice) {
      let refused: DayTwoRefusal | undefined;
      let from = '';
      const at = deps.clock.now().toISOString();
      const id = `upgrade-${randomBytes(6).toString('hex')}`;
      const cluster = await deps.clusters.update(clusterId, (record) => {
        refused = refusal(record) ?? (choice.offered.includes(choice.version) ? undefined : { kind: 'versionNotOffered', version: choice.version, offered: choice.offered });
        if (refused) return;
        from = versionOf(record);
        record.change = {
          id,
          kind: 'upgrade',
          startedBy: user,
          startedAt: at,
          steps: {},
          calls: {},
          params: { from, to: choice.version, upgradeType: choice.upgradeType, maxUnavailable: choice.maxUnavailable },
        };
      });
      if (!cluster) return { ok: false, refusal: { kind: 'notRunning', status: 'Deleted' } };
      if (refused || cluster.change?.id !== id) return { ok: false, refusal: refused ?? { kind: 'notRunning', status: cluster.status } };
      await deps.audit.record(user, 'cluster.upgrade', clusterId, { operation: id, from, to: choice.version, upgradeType: choice.upgradeType, maxUnavailable: choice.maxUnavailable });
      return { ok: true, cluster };
    },
  };
}

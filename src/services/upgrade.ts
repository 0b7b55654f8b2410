/**
 * Kubernetes upgrades of a Running cluster (day two). Starting one writes it on the cluster record
 * (`change`, kind `upgrade`) in one repository update that first checks no other operation runs;
 * the watcher runs it (src/lifecycle/day-two.ts): the control plane, then the worker nodes in batches.
 */
import { randomBytes } from 'node:crypto';
import type { AccountService } from './accounts.js';
import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import type { ApprovalRefusal } from './approval.js';
import { approvalNeeded, DEFAULT_APPROVAL_TIMEOUT_MS } from './approval-rules.js';
import type { ClusterRecord, ChangeApproval, DayTwoRefusal, UpgradeType } from './domain/index.js';
import type { Policy } from './policy-types.js';
import type { ProvisioningThreads } from './threads.js';
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
  /**
   * Starts the upgrade (the watcher does the rest), unless another operation runs or the version is
   * not offered. Under the project's `approval.upgrade` rule it waits for a second person: the
   * thread gets the request, and nothing is sent to Tencent before an approval.
   */
  start(clusterId: string, user: string, choice: UpgradeChoice): Promise<StartResult>;
  /** Approves a waiting upgrade (`breakGlass`: a tenant admin's break-glass); exactly one approval counts. */
  approve(clusterId: string, user: string, options: { breakGlass: boolean }): Promise<{ kind: 'approved' } | ApprovalRefusal>;
  /** Rejects a waiting upgrade: it ends, nothing was sent to Tencent. */
  reject(clusterId: string, user: string): Promise<{ kind: 'rejected' } | ApprovalRefusal>;
}

export interface UpgradeDeps {
  clusters: Pick<ClusterRepository, 'get' | 'update'>;
  policy: Pick<Policy, 'approvalRule' | 'approvalStanding'>;
  threads: Pick<ProvisioningThreads, 'reply'>;
  tke: Pick<TkeGateway, 'describeAvailableClusterVersions'>;
  accounts: Pick<AccountService, 'credentialFor'>;
  poolChanges: Pick<PoolChangeService, 'changeRefusal'>;
  clock: Clock;
  audit: Audit;
  /** An approval request unanswered this long is closed by the watcher (change-approval.ts expireDue); default 24 h. */
  approvalTimeoutMs?: number | undefined;
}

/** Thread reply keys of an upgrade's approval (in the record's `posted`). */
export const UpgradeApprovalKeys = {
  requested: (changeId: string) => `upgrade-approval:${changeId}`,
  decided: (changeId: string) => `upgrade-approval-decided:${changeId}`,
} as const;

export function createUpgradeService(deps: UpgradeDeps): UpgradeService {
  const versionOf = (cluster: ClusterRecord): string => cluster.kubernetes?.controlPlane ?? cluster.plan?.kubernetesVersion ?? 'unknown';

  function refusal(cluster: ClusterRecord, offered?: readonly string[]): DayTwoRefusal | undefined {
    const busy = deps.poolChanges.changeRefusal(cluster);
    if (busy) return busy;
    if (offered && offered.length === 0) return { kind: 'noUpgrade', version: versionOf(cluster) };
    return undefined;
  }

  /** The waiting upgrade of the cluster, if `user` is not the one who asked for it. */
  async function waiting(clusterId: string, user: string): Promise<ClusterRecord | ApprovalRefusal> {
    const cluster = await deps.clusters.get(clusterId);
    if (!cluster) return { kind: 'notFound' };
    const change = cluster.change;
    if (change?.kind !== 'upgrade' || !change.approval || change.approval.approved) {
      return { kind: 'closed', name: cluster.spec.name, status: cluster.status, decision: change?.approval?.approved ? { kind: 'approved', ...change.approval.approved } : undefined };
    }
    if (change.startedBy === user) return { kind: 'ownRequest', name: cluster.spec.name };
    return cluster;
  }

  /** May `user` decide it: one of its approvers, or a tenant admin as break-glass (the only way for one who is no approver). */
  async function standing(cluster: ClusterRecord, user: string, breakGlass: boolean): Promise<ApprovalRefusal | { breakGlass: boolean }> {
    const approval = cluster.change?.approval;
    const found = await deps.policy.approvalStanding(user, cluster.project, approval?.approvers ?? { kind: 'admins' });
    if (breakGlass) return found.breakGlass ? { breakGlass: true } : { kind: 'refused', refusal: found.breakGlassRefusal };
    if (found.approver) return { breakGlass: false };
    return found.breakGlass ? { breakGlass: true } : { kind: 'refused', refusal: found.refusal };
  }

  /** Decides the waiting upgrade `changeId` in one write: the first decision wins. */
  async function decide(clusterId: string, changeId: string, apply: (record: ClusterRecord) => void): Promise<boolean> {
    let won = false;
    await deps.clusters.update(clusterId, (record) => {
      const change = record.change;
      if (change?.id !== changeId || !change.approval || change.approval.approved) return;
      apply(record);
      won = true;
    });
    return won;
  }

  return {
    versionOf,
    refusal,

    async approve(clusterId, user, options) {
      const cluster = await waiting(clusterId, user);
      if ('kind' in cluster) return cluster;
      const decided = await standing(cluster, user, options.breakGlass);
      if ('kind' in decided) return decided;
      const change = cluster.change as NonNullable<ClusterRecord['change']>;
      const at = deps.clock.now().toISOString();
      const won = await decide(clusterId, change.id, (record) => {
        if (record.change?.approval) record.change.approval.approved = { by: user, at, breakGlass: decided.breakGlass };
      });
      if (!won) {
        const now = await waiting(clusterId, user);
        return 'kind' in now ? now : { kind: 'notFound' };
      }
      await deps.audit.record(user, decided.breakGlass ? 'cluster.upgrade.approve.breakGlass' : 'cluster.upgrade.approve', clusterId, { operation: change.id, requestedBy: change.startedBy });
      await deps.threads.reply(clusterId, UpgradeApprovalKeys.decided(change.id), { kind: 'upgradeApproved', user, breakGlass: decided.breakGlass, requestedBy: change.startedBy });
      return { kind: 'approved' };
    },

    async reject(clusterId, user) {
      const cluster = await waiting(clusterId, user);
      if ('kind' in cluster) return cluster;
      const decided = await standing(cluster, user, false);
      if ('kind' in decided) return decided;
      const change = cluster.change as NonNullable<ClusterRecord['change']>;
      const won = await decide(clusterId, change.id, (record) => {
        record.change = undefined;
      });
      if (!won) {
        const now = await waiting(clusterId, user);
        return 'kind' in now ? now : { kind: 'notFound' };
      }
      await deps.audit.record(user, 'cluster.upgrade.reject', clusterId, { operation: change.id, requestedBy: change.startedBy });
      await deps.threads.reply(clusterId, UpgradeApprovalKeys.decided(change.id), { kind: 'upgradeRejected', user, requestedBy: change.startedBy });
      return { kind: 'rejected' };
    },

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
      let approval: ChangeApproval | undefined;
      const cluster = await deps.clusters.update(clusterId, (record) => {
        refused = refusal(record) ?? (choice.offered.includes(choice.version) ? undefined : { kind: 'versionNotOffered', version: choice.version, offered: choice.offered });
        if (refused) return;
        from = versionOf(record);
        const rule = deps.policy.approvalRule(record.project, 'upgrade');
        const reason = rule && approvalNeeded(rule, record.estimate);
        approval = rule && reason ? { approvers: rule.approvers, reason, requestedAt: at, expiresAt: new Date(Date.parse(at) + (deps.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS)).toISOString() } : undefined;
        record.change = {
          id,
          kind: 'upgrade',
          startedBy: user,
          startedAt: at,
          steps: {},
          calls: {},
          ...(approval ? { approval } : {}),
          params: { from, to: choice.version, upgradeType: choice.upgradeType, maxUnavailable: choice.maxUnavailable },
        };
      });
      if (!cluster) return { ok: false, refusal: { kind: 'notRunning', status: 'Deleted' } };
      if (refused || cluster.change?.id !== id) return { ok: false, refusal: refused ?? { kind: 'notRunning', status: cluster.status } };
      await deps.audit.record(user, 'cluster.upgrade', clusterId, { operation: id, from, to: choice.version, upgradeType: choice.upgradeType, maxUnavailable: choice.maxUnavailable, approvalNeeded: approval !== undefined });
      if (approval) {
        await deps.threads.reply(clusterId, UpgradeApprovalKeys.requested(id), {
          kind: 'upgradeApprovalRequested',
          clusterId,
          requestedBy: user,
          from,
          to: choice.version,
          approvers: approval.approvers,
          reason: approval.reason,
        });
      }
      return { ok: true, cluster };
    },
  };
}

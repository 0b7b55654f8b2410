/**
 * Two-person approval of a create (the policy's `approval.create` rule; Deploy records the cluster
 * AwaitingApproval and its root message is the request, with Approve / Reject / Approve as
 * break-glass). A decision is claimed in the same store write that moves the cluster out of
 * AwaitingApproval (`clusters.update`, on the current record): of any number of clicks, approvers
 * and Slack retries, exactly one wins, and only the winner calls CreateCluster (Deploy's
 * createApproved). The requester never decides their own request; a tenant admin may approve as
 * break-glass even when not an approver (recorded so in the audit trail and the thread). The
 * watcher closes requests left unanswered past their `expiresAt` (stored times: a restart changes
 * nothing).
 */
import { transition } from '../lifecycle/states.js';
import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import type { DeployService } from './deploy.js';
import type { ApprovalDecision, ClusterRecord, ClusterStatus } from './domain/index.js';
import type { Logger } from './logger.js';
import type { Policy, PolicyRefusal } from './policy-types.js';
import type { ClusterRepository } from './repositories/repositories.js';
import type { ProvisioningThreads } from './threads.js';

/** The thread step key of the decision's reply: one decision, one reply. */
export const APPROVAL_REPLY_KEY = 'approval';

export type ApprovalRefusal =
  | { kind: 'notFound' }
  /** Decided already (by someone else, a double click or Slack's retry), or never awaited approval. */
  | { kind: 'closed'; name: string; status: ClusterStatus; decision?: ApprovalDecision | undefined }
  | { kind: 'ownRequest'; name: string }
  | { kind: 'refused'; refusal: PolicyRefusal };

export type ApprovalOutcome = { kind: 'approved'; cluster: ClusterRecord; breakGlass: boolean } | { kind: 'rejected'; cluster: ClusterRecord } | ApprovalRefusal;

export interface ApprovalService {
  /** Approve (`breakGlass`: as a tenant admin's break-glass); the winner's approval starts provisioning. */
  approve(clusterId: string, user: string, options: { breakGlass: boolean }): Promise<ApprovalOutcome>;
  /** Whether `user` may reject the request now (before the reason is asked); the cluster's name if so. */
  checkReject(clusterId: string, user: string): Promise<{ kind: 'ok'; name: string } | ApprovalRefusal>;
  reject(clusterId: string, user: string, reason: string): Promise<ApprovalOutcome>;
  /** The watcher's pass: closes every request whose time is up. */
  expireDue(now: Date): Promise<number>;
}

export interface ApprovalDeps {
  clusters: ClusterRepository;
  policy: Pick<Policy, 'approvalStanding'>;
  deploy: Pick<DeployService, 'createApproved'>;
  threads: Pick<ProvisioningThreads, 'reply' | 'refreshRoot'>;
  audit: Audit;
  clock: Clock;
  logger: Logger;
}

export function createApprovalService(deps: ApprovalDeps): ApprovalService {
  const { clusters, clock, logger } = deps;

  /** The request, if it is still open and `user` is not its requester. */
  async function openRequest(clusterId: string, user: string): Promise<ClusterRecord | ApprovalRefusal> {
    const cluster = await clusters.get(clusterId);
    if (!cluster?.approval) return { kind: 'notFound' };
    if (cluster.status !== 'AwaitingApproval') return closed(cluster);
    if (cluster.requestedBy === user) return { kind: 'ownRequest', name: cluster.spec.name };
    return cluster;
  }

  const closed = (cluster: ClusterRecord): ApprovalRefusal => ({ kind: 'closed', name: cluster.spec.name, status: cluster.status, decision: cluster.approval?.decision });

  /** Moves the cluster out of AwaitingApproval with `decision`, in one write; the record if this caller won. */
  async function claim(clusterId: string, to: 'Creating' | 'Rejected', decision: ApprovalDecision): Promise<ClusterRecord | undefined> {
    let won = false;
    const updated = await clusters.update(clusterId, (c) => {
      if (c.status !== 'AwaitingApproval' || !c.approval) return false;
      transition(c, to, decision.at);
      c.approval.decision = decision;
      // Provisioning starts now: its elapsed time and Deploy's create-outcome wait count from here.
      if (to === 'Creating') c.createdAt = decision.at;
      won = true;
    });
    return won ? updated : undefined;
  }

  /**
   * May `user` decide (`breakGlass`: pressed Approve as break-glass)? A tenant admin who is no
   * approver decides only as break-glass, whichever button: recorded so.
   */
  async function standingOf(cluster: ClusterRecord, user: string, breakGlass: boolean): Promise<{ refusal: PolicyRefusal } | { asBreakGlass: boolean }> {
    const standing = await deps.policy.approvalStanding(user, cluster.project, cluster.approval?.approvers ?? { kind: 'admins' });
    if (breakGlass) return standing.breakGlass ? { asBreakGlass: true } : { refusal: standing.breakGlassRefusal };
    if (standing.approver) return { asBreakGlass: false };
    return standing.breakGlass ? { asBreakGlass: true } : { refusal: standing.refusal };
  }

  return {
    async approve(clusterId, user, { breakGlass }) {
      const open = await openRequest(clusterId, user);
      if ('kind' in open) return open;
      const standing = await standingOf(open, user, breakGlass);
      if ('refusal' in standing) return { kind: 'refused', refusal: standing.refusal };
      const { asBreakGlass } = standing;
      const at = clock.now().toISOString();
      const won = await claim(clusterId, 'Creating', { kind: 'approved', by: user, at, breakGlass: asBreakGlass });
      if (!won) {
        const now = await clusters.get(clusterId);
        return now ? closed(now) : { kind: 'notFound' };
      }
      await deps.audit.record(user, asBreakGlass ? 'cluster.approve.breakGlass' : 'cluster.approve', clusterId, { name: won.spec.name, requestedBy: won.requestedBy, breakGlass: asBreakGlass });
      logger.info({ cluster: clusterId, by: user, breakGlass: asBreakGlass }, 'create approved');
      await deps.threads.reply(clusterId, APPROVAL_REPLY_KEY, { kind: 'approvalApproved', user, breakGlass: asBreakGlass });
      deps.threads.refreshRoot(clusterId);
      const created = await deps.deploy.createApproved(clusterId);
      deps.threads.refreshRoot(clusterId);
      return { kind: 'approved', cluster: created, breakGlass: asBreakGlass };
    },

    async checkReject(clusterId, user) {
      const open = await openRequest(clusterId, user);
      if ('kind' in open) return open;
      const standing = await standingOf(open, user, false);
      return 'refusal' in standing ? { kind: 'refused', refusal: standing.refusal } : { kind: 'ok', name: open.spec.name };
    },

    async reject(clusterId, user, reason) {
      const checked = await this.checkReject(clusterId, user);
      if (checked.kind !== 'ok') return checked;
      const at = clock.now().toISOString();
      const won = await claim(clusterId, 'Rejected', { kind: 'rejected', by: user, at, reason });
      if (!won) {
        const now = await clusters.get(clusterId);
        return now ? closed(now) : { kind: 'notFound' };
      }
      await deps.audit.record(user, 'cluster.reject', clusterId, { name: won.spec.name, requestedBy: won.requestedBy, reason });
      await deps.threads.reply(clusterId, APPROVAL_REPLY_KEY, { kind: 'approvalRejected', user, reason, requestedBy: won.requestedBy });
      deps.threads.refreshRoot(clusterId);
      return { kind: 'rejected', cluster: won };
    },

    async expireDue(now) {
      const waiting = await clusters.list({ status: ['AwaitingApproval'] });
      let expired = 0;
      for (const cluster of waiting) {
        if (!cluster.approval || Date.parse(cluster.approval.expiresAt) > now.getTime()) continue;
        try {
          const won = await claim(cluster.id, 'Rejected', { kind: 'expired', at: now.toISOString() });
          if (!won?.approval) continue;
          expired += 1;
          await deps.audit.record('tkeops', 'cluster.approvalExpired', cluster.id, { name: won.spec.name, requestedBy: won.requestedBy });
          const waitedMs = now.getTime() - Date.parse(won.approval.requestedAt);
          await deps.threads.reply(cluster.id, APPROVAL_REPLY_KEY, { kind: 'approvalExpired', requestedBy: won.requestedBy, waitedMs });
          deps.threads.refreshRoot(cluster.id);
        } catch (error) {
          logger.error({ cluster: cluster.id, err: (error as Error).message }, 'could not close an expired approval request');
        }
      }
      return expired;
    },
  };
}

/**
 * Two-person approval of a day-two change (the policy's `approval.poolGrowth` rule; `upgrade` is
 * read the same way for whoever builds upgrades). A change the rule applies to is written on the
 * cluster like a running one (`change`, so it blocks every other change) but with an `approval`
 * the watcher waits for (day-two `watchedWhen`); its request is a thread reply with Approve /
 * Reject / Approve as break-glass. A decision is claimed in the same repository update that
 * records it: of any number of clicks only one wins. Approved, the watcher runs the change as
 * without a rule; rejected or unanswered past `expiresAt` (stored: a restart changes nothing), the
 * change is removed and the thread says who and why. Generic over the change: another operation
 * asks `ruleFor` and `request` with its own summary and prices.
 */
import { approvalNeeded, DEFAULT_APPROVAL_TIMEOUT_MS } from './approval-rules.js';
import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import type { CostService } from './cost.js';
import { awaitsApproval, type ChangeApproval, type ClusterRecord, type CostEstimate, type DayTwoChange } from './domain/index.js';
import type { ChangeSummary } from '../lifecycle/events.js';
import type { Logger } from './logger.js';
import type { PoolChangeService, PoolSizes, StartResult } from './pool-changes.js';
import type { ApprovalOperation, ApprovalRule, Policy, PolicyRefusal } from './policy-types.js';
import type { ClusterRepository } from './repositories/repositories.js';
import { PRICE_CURRENCY } from './tke-gateway.js';
import type { ProvisioningThreads } from './threads.js';

/** Thread reply keys of a change's request and decision: one each per change. */
export const ChangeApprovalKeys = {
  request: (changeId: string) => `change-approval:${changeId}`,
  decision: (changeId: string) => `change-decision:${changeId}`,
} as const;

export type ChangeApprovalRefusal =
  /** The change is gone (rejected, expired, or done) or was approved already. */
  | { kind: 'closed'; approvedBy?: string | undefined }
  | { kind: 'ownRequest' }
  | { kind: 'refused'; refusal: PolicyRefusal };

export type ChangeApprovalOutcome = { kind: 'approved'; breakGlass: boolean } | { kind: 'rejected' } | ChangeApprovalRefusal;

export interface ChangeApprovalService {
  /** The project's rule for a scale of `pool` to `sizes`, when it is a growth (desired or max nodes up) and the rule is not `never`. */
  scaleRule(cluster: ClusterRecord, pool: string, sizes: PoolSizes): ApprovalRule | undefined;
  /** Scales the pool, asking approval first when the rule applies (the price after the change decides a cost rule). */
  startScale(clusterId: string, user: string, pool: string, sizes: PoolSizes): Promise<StartResult>;
  approve(clusterId: string, changeId: string, user: string, options: { breakGlass: boolean }): Promise<ChangeApprovalOutcome>;
  /** Whether `user` may reject now (before the reason is asked). */
  checkReject(clusterId: string, changeId: string, user: string): Promise<{ kind: 'ok' } | ChangeApprovalRefusal>;
  reject(clusterId: string, changeId: string, user: string, reason: string): Promise<ChangeApprovalOutcome>;
  /** The watcher's pass: removes every change whose request is unanswered past its time. */
  expireDue(now: Date): Promise<number>;
}

export interface ChangeApprovalDeps {
  clusters: Pick<ClusterRepository, 'get' | 'update' | 'list'>;
  policy: Pick<Policy, 'approvalRule' | 'approvalStanding'>;
  poolChanges: Pick<PoolChangeService, 'startScale'>;
  cost: Pick<CostService, 'estimate'>;
  threads: Pick<ProvisioningThreads, 'reply' | 'refreshRoot'>;
  audit: Audit;
  clock: Clock;
  logger: Logger;
  approvalTimeoutMs?: number | undefined;
}

/** A change's request as its thread reply tells it. */
export function summaryOf(change: DayTwoChange): ChangeSummary | undefined {
  if (change.kind === 'upgrade') return { kind: 'upgrade', from: change.params.from, to: change.params.to };
  if (change.kind !== 'scalePool') return undefined;
  const { pool, minSize, desiredSize, maxSize, before } = change.params;
  return { kind: 'scalePool', pool, before, after: { minSize, desiredSize, maxSize } };
}

/** A full per-30-days price, or undefined when Tencent left something out. */
const monthly = (estimate: CostEstimate | undefined): number | undefined =>
  estimate && estimate.total.missing.length === 0 ? estimate.total.per30Days : undefined;

export function createChangeApprovalService(deps: ChangeApprovalDeps): ChangeApprovalService {
  const { clusters, clock, logger } = deps;

  function ruleFor(cluster: ClusterRecord, operation: ApprovalOperation): ApprovalRule | undefined {
    const rule = deps.policy.approvalRule(cluster.project, operation);
    return rule && rule.when !== 'never' ? rule : undefined;
  }

  /** The change awaiting approval, if `user` is not its requester. */
  async function openRequest(clusterId: string, changeId: string, user: string): Promise<{ cluster: ClusterRecord; change: DayTwoChange & { approval: ChangeApproval } } | ChangeApprovalRefusal> {
    const cluster = await clusters.get(clusterId);
    const change = cluster?.change;
    if (!cluster || change?.id !== changeId || !change.approval) return { kind: 'closed' };
    if (!awaitsApproval(change)) return { kind: 'closed', approvedBy: change.approval.approved?.by };
    if (change.startedBy === user) return { kind: 'ownRequest' };
    return { cluster, change: change as DayTwoChange & { approval: ChangeApproval } };
  }

  async function standingOf(cluster: ClusterRecord, approval: ChangeApproval, user: string, breakGlass: boolean): Promise<{ refusal: PolicyRefusal } | { asBreakGlass: boolean }> {
    const standing = await deps.policy.approvalStanding(user, cluster.project, approval.approvers);
    if (breakGlass) return standing.breakGlass ? { asBreakGlass: true } : { refusal: standing.breakGlassRefusal };
    if (standing.approver) return { asBreakGlass: false };
    return standing.breakGlass ? { asBreakGlass: true } : { refusal: standing.refusal };
  }

  /** Removes the awaiting change `changeId` in one update; the removed change if this caller won. */
  async function remove(clusterId: string, changeId: string): Promise<DayTwoChange | undefined> {
    let removed: DayTwoChange | undefined;
    await clusters.update(clusterId, (r) => {
      if (r.change?.id !== changeId || !awaitsApproval(r.change)) return false;
      removed = r.change;
      r.change = undefined;
    });
    return removed;
  }

  async function tellClosed(clusterId: string, change: DayTwoChange, at: Date, decided: { by?: string; reason?: string }): Promise<void> {
    const summary = summaryOf(change);
    if (!summary) return;
    const waitedMs = at.getTime() - Date.parse(change.approval?.requestedAt ?? change.startedAt);
    await deps.threads.reply(clusterId, ChangeApprovalKeys.decision(change.id), { kind: 'changeRejected', ...decided, waitedMs, requestedBy: change.startedBy, change: summary });
    deps.threads.refreshRoot(clusterId);
  }

  const service: ChangeApprovalService = {
    scaleRule(cluster, pool, sizes) {
      const spec = cluster.spec.workerPools.find((p) => p.name === pool);
      if (!spec || (sizes.desiredSize <= spec.desiredSize && sizes.maxSize <= spec.maxSize)) return undefined;
      return ruleFor(cluster, 'poolGrowth');
    },

    async startScale(clusterId, user, pool, sizes) {
      const cluster = await clusters.get(clusterId);
      const rule = cluster && service.scaleRule(cluster, pool, sizes);
      if (!cluster || !rule) return deps.poolChanges.startScale(clusterId, user, pool, sizes);
      // The price per 30 days of the whole cluster before and after, as Deploy's review computes it
      // (no node OS on record: no price, which a cost rule counts as above its threshold).
      const after = { ...cluster.spec, workerPools: cluster.spec.workerPools.map((p) => (p.name === pool ? { ...p, ...sizes } : p)) };
      const os = cluster.plan?.os;
      const [priceBefore, priceAfter] = os ? await Promise.all([deps.cost.estimate(cluster.spec, os), deps.cost.estimate(after, os)]) : [undefined, undefined];
      const reason = approvalNeeded(rule, priceAfter);
      if (!reason) return deps.poolChanges.startScale(clusterId, user, pool, sizes);
      const now = clock.now();
      const approval: ChangeApproval = {
        approvers: rule.approvers,
        reason,
        cost: { before: monthly(priceBefore), after: monthly(priceAfter), currency: priceAfter?.currency ?? PRICE_CURRENCY },
        requestedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + (deps.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS)).toISOString(),
      };
      const started = await deps.poolChanges.startScale(clusterId, user, pool, sizes, approval);
      const change = started.ok ? started.cluster.change : undefined;
      const summary = change && summaryOf(change);
      if (change && summary) {
        await deps.threads.reply(clusterId, ChangeApprovalKeys.request(change.id), { kind: 'changeApprovalRequested', clusterId, changeId: change.id, requestedBy: user, change: summary, approval });
        deps.threads.refreshRoot(clusterId);
      }
      return started;
    },

    async approve(clusterId, changeId, user, { breakGlass }) {
      const open = await openRequest(clusterId, changeId, user);
      if ('kind' in open) return open;
      const standing = await standingOf(open.cluster, open.change.approval, user, breakGlass);
      if ('refusal' in standing) return { kind: 'refused', refusal: standing.refusal };
      const { asBreakGlass } = standing;
      const at = clock.now().toISOString();
      let won = false;
      const updated = await clusters.update(clusterId, (r) => {
        if (r.change?.id !== changeId || !r.change.approval || !awaitsApproval(r.change)) return false;
        r.change.approval.approved = { by: user, at, breakGlass: asBreakGlass };
        // The change runs from now: its elapsed time counts from the approval.
        r.change.startedAt = at;
        won = true;
      });
      if (!won || !updated?.change) {
        const now = await clusters.get(clusterId);
        return { kind: 'closed', approvedBy: now?.change?.id === changeId ? now.change.approval?.approved?.by : undefined };
      }
      const change = updated.change;
      await deps.audit.record(user, asBreakGlass ? `cluster.${change.kind}.approve.breakGlass` : `cluster.${change.kind}.approve`, clusterId, {
        operation: changeId,
        requestedBy: change.startedBy,
        breakGlass: asBreakGlass,
      });
      logger.info({ cluster: clusterId, change: changeId, by: user, breakGlass: asBreakGlass }, 'day-two change approved');
      const summary = summaryOf(change);
      if (summary) await deps.threads.reply(clusterId, ChangeApprovalKeys.decision(changeId), { kind: 'changeApproved', user, breakGlass: asBreakGlass, change: summary });
      deps.threads.refreshRoot(clusterId);
      return { kind: 'approved', breakGlass: asBreakGlass };
    },

    async checkReject(clusterId, changeId, user) {
      const open = await openRequest(clusterId, changeId, user);
      if ('kind' in open) return open;
      const standing = await standingOf(open.cluster, open.change.approval, user, false);
      return 'refusal' in standing ? { kind: 'refused', refusal: standing.refusal } : { kind: 'ok' };
    },

    async reject(clusterId, changeId, user, reason) {
      const checked = await service.checkReject(clusterId, changeId, user);
      if (checked.kind !== 'ok') return checked;
      const removed = await remove(clusterId, changeId);
      if (!removed) return { kind: 'closed' };
      await deps.audit.record(user, `cluster.${removed.kind}.reject`, clusterId, { operation: changeId, requestedBy: removed.startedBy, reason });
      await tellClosed(clusterId, removed, clock.now(), { by: user, reason });
      return { kind: 'rejected' };
    },

    async expireDue(now) {
      const running = await clusters.list({ status: ['Running'] });
      let expired = 0;
      for (const cluster of running) {
        const change = cluster.change;
        if (!change?.approval?.expiresAt || !awaitsApproval(change) || Date.parse(change.approval.expiresAt) > now.getTime()) continue;
        try {
          const removed = await remove(cluster.id, change.id);
          if (!removed) continue;
          expired += 1;
          await deps.audit.record('tkeops', `cluster.${removed.kind}.approvalExpired`, cluster.id, { operation: removed.id, requestedBy: removed.startedBy });
          await tellClosed(cluster.id, removed, now, {});
        } catch (error) {
          logger.error({ cluster: cluster.id, err: (error as Error).message }, 'could not close an expired change approval request');
        }
      }
      return expired;
    },
  };
  return service;
}

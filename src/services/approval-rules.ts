/**
 * When a project's approval rule applies to a create (pure; the policy file gives the rule, Deploy
 * applies it). The monthly price is the estimate's per-30-days total; a price Tencent would not give
 * (no estimate, or an estimate that leaves something out) cannot be shown to be below the
 * threshold, so the rule applies then, saying why.
 */
import type { ApprovalReason, CostEstimate } from './domain/index.js';
import type { ApprovalRule } from './policy-types.js';

export const DEFAULT_APPROVAL_TIMEOUT_MS = 24 * 3_600_000;

export function approvalNeeded(rule: ApprovalRule, estimate: CostEstimate | undefined): ApprovalReason | undefined {
  if (rule.when === 'never') return undefined;
  if (rule.when === 'always') return { kind: 'always' };
  const threshold = rule.when.monthlyCostAbove;
  if (!estimate || estimate.total.missing.length > 0) {
    // What is known may already be above the threshold: that is the better reason to give.
    if (estimate && estimate.total.per30Days > threshold) return { kind: 'costAbove', threshold, monthly: estimate.total.per30Days, currency: estimate.currency };
    return { kind: 'priceUnavailable', threshold };
  }
  const monthly = estimate.total.per30Days;
  return monthly > threshold ? { kind: 'costAbove', threshold, monthly, currency: estimate.currency } : undefined;
}

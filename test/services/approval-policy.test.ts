import { describe, expect, it } from 'vitest';
import { approvalNeeded } from '../../src/services/approval-rules.js';
import { ManualClock } from '../../src/services/clock.js';
import type { CostEstimate } from '../../src/services/domain/index.js';
import { createPolicy, parsePolicy, PolicyError } from '../../src/services/policy.js';

const FILE = 'data/policy.yaml';

const policyWith = (approval: string) => `
tenantAdmins: [U0TENANT1]
projects:
  - name: platform
    channels: [C0PLATFORM]
    admins: [U0PADMIN1]
    approval:
${approval}
`;

const problemsOf = (text: string): string => {
  try {
    parsePolicy(FILE, text);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as Error).message;
  }
  throw new Error('the policy was accepted');
};

const policyOf = (text: string, groups: Record<string, string[]> = {}) =>
  createPolicy(parsePolicy(FILE, text), { userGroupMembers: async (id) => groups[id] ?? [], clock: new ManualClock(new Date('2026-01-01T00:00:00Z')), cacheMs: 60_000 });

const estimate = (per30Days: number, missing: CostEstimate['total']['missing'] = []): CostEstimate => ({
  currency: 'CNY',
  estimatedAt: '2026-01-01T00:00:00Z',
  basis: '',
  pools: [],
  controlPlane: { level: 'L5', price: { perHour: 0 } },
  total: { perHour: per30Days / 720, upToPerHour: per30Days / 720, per30Days, upToPer30Days: per30Days, missing },
});

describe('approval rules in the policy file', () => {
  it('reads a threshold rule with admins, "always" with a user group, and "never"', () => {
    const policy = policyOf(
      policyWith('      create: { approvers: admins, whenMonthlyCostAbove: 500 }\n      upgrade: { approvers: S0APPROVE, when: always }\n      poolGrowth: { when: never }'),
    );
    expect(policy.approvalRule('platform', 'create')).toEqual({ approvers: { kind: 'admins' }, when: { monthlyCostAbove: 500 } });
    expect(policy.approvalRule('platform', 'upgrade')).toEqual({ approvers: { kind: 'userGroup', userGroup: 'S0APPROVE' }, when: 'always' });
    expect(policy.approvalRule('platform', 'poolGrowth')).toEqual({ approvers: { kind: 'admins' }, when: 'never' });
    expect(policy.approvalRule(undefined, 'create')).toBeUndefined();
  });

  it('names the field and the problem for a bad rule', () => {
    expect(problemsOf(policyWith('      create: { approvers: bob, when: always }'))).toBe(
      'data/policy.yaml: projects[0].approval.create.approvers: "bob" is neither "admins" nor a Slack user group ID (S…)',
    );
    expect(problemsOf(policyWith('      create: { when: sometimes }'))).toBe(
      'data/policy.yaml: projects[0].approval.create.when: must be "always" or "never" (or use whenMonthlyCostAbove)',
    );
    expect(problemsOf(policyWith('      create: { when: always, whenMonthlyCostAbove: 5 }'))).toBe(
      'data/policy.yaml: projects[0].approval.create: give exactly one of when (always / never) and whenMonthlyCostAbove',
    );
    expect(problemsOf(policyWith('      create: { whenMonthlyCostAbove: lots }'))).toContain('projects[0].approval.create.whenMonthlyCostAbove: must be a number');
    expect(problemsOf(policyWith('      delete: { when: always }'))).toBe('data/policy.yaml: projects[0].approval.delete: unknown field');
  });

  it('applies above the threshold, not at or below it, and when the price is unavailable', () => {
    const rule = { approvers: { kind: 'admins' as const }, when: { monthlyCostAbove: 500 } };
    expect(approvalNeeded(rule, estimate(500))).toBeUndefined();
    expect(approvalNeeded(rule, estimate(500.01))).toEqual({ kind: 'costAbove', threshold: 500, monthly: 500.01, currency: 'CNY' });
    expect(approvalNeeded(rule, undefined)).toEqual({ kind: 'priceUnavailable', threshold: 500 });
    expect(approvalNeeded(rule, estimate(100, [{ item: 'control plane', code: 'InternalError' }]))).toEqual({ kind: 'priceUnavailable', threshold: 500 });
    expect(approvalNeeded({ ...rule, when: 'never' }, undefined)).toBeUndefined();
    expect(approvalNeeded({ ...rule, when: 'always' }, estimate(1))).toEqual({ kind: 'always' });
  });

  it('lets the approvers decide, and tenant admins only as break-glass when they are not approvers', async () => {
    const policy = policyOf(policyWith('      create: { approvers: S0APPROVE, when: always }'), { S0APPROVE: ['U0GROUPIE'] });
    const approvers = { kind: 'userGroup' as const, userGroup: 'S0APPROVE' };
    expect(await policy.approvalStanding('U0GROUPIE', 'platform', approvers)).toMatchObject({ approver: true, breakGlass: false });
    expect(await policy.approvalStanding('U0TENANT1', 'platform', approvers)).toMatchObject({ approver: false, breakGlass: true });
    expect(await policy.approvalStanding('U0PADMIN1', 'platform', approvers)).toMatchObject({ approver: false, breakGlass: false });
    expect(await policy.approvalStanding('U0PADMIN1', 'platform', { kind: 'admins' })).toMatchObject({ approver: true });
  });
});

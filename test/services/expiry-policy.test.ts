import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { createPolicy, parsePolicy, PolicyError } from '../../src/services/policy.js';

const FILE = 'data/policy.yaml';
const policyWith = (expiry: string) => `
tenantAdmins: [U0TENANT1]
projects:
  - name: sandbox
    channels: [C0SANDBOX]
    admins: [U0SADMIN1]
    members: everyone
${expiry ? `    expiry: ${expiry}\n` : ''}`;

const problemsOf = (text: string): string => {
  try {
    parsePolicy(FILE, text);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as Error).message;
  }
  throw new Error('the policy was accepted');
};

const build = (text: string) => createPolicy(parsePolicy(FILE, text), { userGroupMembers: () => Promise.resolve([]), clock: new ManualClock(), cacheMs: 60_000 });

describe('a project expiry rule in the policy', () => {
  it('reads a maximum and a default', () => {
    expect(build(policyWith('{ max: 7d, default: 3d }')).expiryRule('sandbox')).toEqual({ maxMs: 7 * 24 * 3_600_000, default: '3d' });
    expect(build(policyWith('')).expiryRule('sandbox')).toEqual({ maxMs: undefined, default: undefined });
  });

  it('refuses a default beyond the maximum and a duration it cannot read, naming the field', () => {
    expect(problemsOf(policyWith('{ max: 1d, default: 3d }'))).toBe(`${FILE}: projects[0].expiry.default: "3d" is beyond the project's maximum`);
    expect(problemsOf(policyWith('{ max: 2w }'))).toBe(`${FILE}: projects[0].expiry.max: must be a duration like 8h or 7d`);
  });

  it('lets the requester and admins extend, only admins keep', async () => {
    const policy = build(policyWith('{ max: 7d }'));
    const subject = { channel: 'C0SANDBOX', project: 'sandbox', requester: 'U0DEV0001' };
    expect((await policy.check('cluster.expiry.extend', { ...subject, user: 'U0DEV0001' })).allowed).toBe(true);
    expect((await policy.check('cluster.expiry.extend', { ...subject, user: 'U0OTHER01' })).allowed).toBe(false);
    expect((await policy.check('cluster.expiry.keep', { ...subject, user: 'U0DEV0001' })).allowed).toBe(false);
    expect((await policy.check('cluster.expiry.keep', { ...subject, user: 'U0SADMIN1' })).allowed).toBe(true);
    expect((await policy.check('cluster.expiry.keep', { ...subject, user: 'U0TENANT1' })).allowed).toBe(true);
  });
});

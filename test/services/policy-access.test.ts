import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { createPolicy, parsePolicy, PolicyError } from '../../src/services/policy.js';

const FILE = 'policy.yaml';
const POLICY = `
tenantAdmins: [U0TENANT1]
projects:
  - name: platform
    channels: [C0PLATFORM]
    admins: [U0PADMIN1]
    members: everyone
`;

const build = (text: string) => createPolicy(parsePolicy(FILE, text), { userGroupMembers: async () => [], clock: new ManualClock(), cacheMs: 60_000 });
const subject = (user: string) => ({ user, channel: 'C0PLATFORM', project: 'platform' });

describe('the policy on cluster access', () => {
  it('lets the project admins and tenant admins get a kubeconfig and change deletion protection, not members', async () => {
    const policy = build(POLICY);
    for (const action of ['cluster.kubeconfig', 'cluster.protect'] as const) {
      expect((await policy.check(action, subject('U0PADMIN1'))).allowed).toBe(true);
      expect((await policy.check(action, subject('U0TENANT1'))).allowed).toBe(true);
      expect(await policy.check(action, subject('U0MEMBER'))).toEqual({
        allowed: false,
        refusal: {
          kind: 'onlyThese',
          action,
          project: 'platform',
          who: [
            { kind: 'projectAdmins', project: 'platform', users: ['U0PADMIN1'] },
            { kind: 'tenantAdmins', users: ['U0TENANT1'] },
          ],
        },
      });
    }
  });

  it('lets members get a kubeconfig with `kubeconfig: members`, but still not change deletion protection', async () => {
    const policy = build(`${POLICY}\nkubeconfig: members\n`);
    expect((await policy.check('cluster.kubeconfig', subject('U0MEMBER'))).allowed).toBe(true);
    expect((await policy.check('cluster.protect', subject('U0MEMBER'))).allowed).toBe(false);
    expect(policy.whoMay('cluster.kubeconfig', 'platform').map((who) => who.kind)).toEqual(['projectMembers', 'projectAdmins', 'tenantAdmins']);
  });

  it('refuses another kubeconfig value, naming the field', () => {
    expect(() => parsePolicy(FILE, `${POLICY}\nkubeconfig: everyone\n`)).toThrow(PolicyError);
    expect(() => parsePolicy(FILE, `${POLICY}\nkubeconfig: everyone\n`)).toThrow('policy.yaml: kubeconfig: must be "admins" or "members"');
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { createLogger } from '../../src/services/logger.js';
import type { Policy, PolicyAction, PolicySubject } from '../../src/services/policy-types.js';
import { createPolicy, loadPolicy, parsePolicy, PolicyError, type PolicySpec } from '../../src/services/policy.js';
import { onCallMention, policyRefusalText } from '../../src/views/policy-refusals.js';

const FILE = 'data/policy.yaml';

const POLICY = `
tenantAdmins: [U0TENANT1, U0TENANT2]
projects:
  - name: platform
    channels: [C0PLATFORM, C0PLATOPS]
    admins: [U0PADMIN1]
    members: everyone
  - name: data
    channels: [C0DATA]
    admins: [U0DADMIN1]
    members: [U0ANALYST]
onCall:
  users: [U0ONCALL1]
  userGroups: [S0ONCALL]
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

describe('loading the policy file', () => {
  it('reads tenant admins, projects and on-call', () => {
    const spec = parsePolicy(FILE, POLICY);
    expect(spec.tenantAdmins).toEqual(['U0TENANT1', 'U0TENANT2']);
    expect(spec.projects.map((p) => [p.name, p.members])).toEqual([
      ['platform', 'everyone'],
      ['data', ['U0ANALYST']],
    ]);
    expect(spec.onCall).toEqual({ users: ['U0ONCALL1'], userGroups: ['S0ONCALL'] });
  });

  it('loads the shipped example as it is', async () => {
    const spec = await loadPolicy('data/policy.yaml');
    expect(spec.projects[0]).toMatchObject({ name: 'platform', channels: ['C0PLATFORM'], members: 'everyone' });
    expect(spec.tenantAdmins.length).toBeGreaterThan(0);
    expect(spec.onCall.users.length + spec.onCall.userGroups.length).toBeGreaterThan(0);
  });

  it('names the file, the field and the value when a user ID is not one', () => {
    const text = POLICY.replace('admins: [U0PADMIN1]', 'admins: [U0PADMIN1, bob]');
    expect(problemsOf(text)).toBe('data/policy.yaml: projects[0].admins[1]: "bob" is not a Slack user ID');
  });

  it('refuses an unknown field, naming where it is', () => {
    const text = POLICY.replace('    members: everyone', '    members: everyone\n    colour: blue');
    expect(problemsOf(text)).toBe('data/policy.yaml: projects[0].colour: unknown field');
  });

  it('refuses an unknown top-level field (a typo of a known one)', () => {
    expect(problemsOf(`${POLICY}\ntenantAdmin: [U0TENANT3]\n`)).toBe('data/policy.yaml: tenantAdmin: unknown field');
  });

  it('checks channel and user group IDs by their own shapes', () => {
    const text = POLICY.replace('channels: [C0DATA]', 'channels: [data-team]').replace('[S0ONCALL]', '[U0ONCALL2]');
    expect(problemsOf(text).split('\n')).toEqual([
      'data/policy.yaml: projects[1].channels[0]: "data-team" is not a Slack channel ID',
      'data/policy.yaml: onCall.userGroups[0]: "U0ONCALL2" is not a Slack user group ID',
    ]);
  });

  it('refuses members that are neither "everyone" nor a list of users', () => {
    expect(problemsOf(POLICY.replace('members: everyone', 'members: all'))).toBe(
      'data/policy.yaml: projects[0].members: must be "everyone" or a list of Slack user IDs',
    );
  });

  it('refuses a channel that belongs to two projects', () => {
    expect(problemsOf(POLICY.replace('channels: [C0DATA]', 'channels: [C0PLATOPS]'))).toBe(
      'data/policy.yaml: projects[1].channels[0]: channel C0PLATOPS already belongs to project "platform"',
    );
  });

  it('refuses a project without a name', () => {
    expect(problemsOf(POLICY.replace('  - name: data\n', '  -\n'))).toBe('data/policy.yaml: projects[1].name: a project name is required');
  });

  it('refuses text that is not YAML, naming the file', () => {
    expect(problemsOf('projects: [\n')).toMatch(/^data\/policy\.yaml: not valid YAML/);
  });

  describe('from disk', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'tkeops-policy-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('names a missing file', async () => {
      const file = path.join(dir, 'missing.yaml');
      await expect(loadPolicy(file)).rejects.toThrow(`${file}: cannot read the policy file (ENOENT)`);
    });

    it('names the file it read in every problem', async () => {
      const file = path.join(dir, 'policy.yaml');
      await writeFile(file, 'tenantAdmins: [alice]\n');
      await expect(loadPolicy(file)).rejects.toThrow(`${file}: tenantAdmins[0]: "alice" is not a Slack user ID`);
    });
  });
});

describe('the policy', () => {
  let clock: ManualClock;
  let groupCalls: string[];
  let groups: Map<string, string[]>;
  let policy: Policy;

  const build = (spec: PolicySpec = parsePolicy(FILE, POLICY)) =>
    createPolicy(spec, {
      userGroupMembers: async (groupId) => {
        groupCalls.push(groupId);
        const members = groups.get(groupId);
        if (!members) throw new Error('no_such_subteam');
        return members;
      },
      clock,
      cacheMs: 5 * 60_000,
    });

  beforeEach(() => {
    clock = new ManualClock();
    groupCalls = [];
    groups = new Map([['S0ONCALL', ['U0GROUPED']]]);
    policy = build();
  });

  const check = (action: PolicyAction, subject: Partial<PolicySubject> & { user: string }) =>
    policy.check(action, { channel: 'C0PLATFORM', ...subject });
  const allowed = async (action: PolicyAction, subject: Partial<PolicySubject> & { user: string }) =>
    (await check(action, subject)).allowed;
  const refusal = async (action: PolicyAction, subject: Partial<PolicySubject> & { user: string }) => {
    const decision = await check(action, subject);
    if (decision.allowed) throw new Error(`${action} was allowed`);
    return policyRefusalText(decision.refusal);
  };

  it('finds a project from any of its channels', () => {
    expect(policy.projectForChannel('C0PLATOPS')?.name).toBe('platform');
    expect(policy.projectForChannel('C0ELSEWHERE')).toBeUndefined();
  });

  describe('creating and seeing clusters', () => {
    it('lets anyone in a project channel create a cluster when members is everyone', async () => {
      expect(await allowed('cluster.create', { user: 'U0ANYONE' })).toBe(true);
    });

    it('lets only listed members create clusters when members is a list', async () => {
      expect(await allowed('cluster.create', { user: 'U0ANALYST', channel: 'C0DATA' })).toBe(true);
      expect(await refusal('cluster.create', { user: 'U0ANYONE', channel: 'C0DATA' })).toBe(
        'Only members of project data (<@U0ANALYST>), the admins of project data (<@U0DADMIN1>) and tenant admins (<@U0TENANT1>, <@U0TENANT2>) may create a cluster in project data.',
      );
    });

    it("does not let a project's everyone-members see another project's cluster", async () => {
      expect(await allowed('cluster.view', { user: 'U0ANYONE', channel: 'C0DATA', project: 'platform' })).toBe(false);
      expect(await allowed('cluster.view', { user: 'U0PADMIN1', channel: 'C0DATA', project: 'platform' })).toBe(true);
    });

    it('lets on-call, listed or through a user group, see the cluster of any project they may force delete', async () => {
      expect(await allowed('cluster.view', { user: 'U0ONCALL1', channel: 'C0DATA', project: 'data' })).toBe(true);
      expect(await allowed('cluster.view', { user: 'U0GROUPED', channel: 'C0PLATFORM', project: 'data' })).toBe(true);
      expect(await allowed('cluster.view', { user: 'U0ONCALL1', channel: 'C0ELSEWHERE' })).toBe(true);
      expect(await allowed('cluster.forceDelete', { user: 'U0GROUPED', channel: 'C0PLATFORM', project: 'data' })).toBe(true);
    });

    it('names on-call among those who may see a cluster when it refuses someone else', async () => {
      expect(await refusal('cluster.view', { user: 'U0ANYONE', channel: 'C0DATA', project: 'data' })).toBe(
        'Only members of project data (<@U0ANALYST>), the admins of project data (<@U0DADMIN1>), tenant admins (<@U0TENANT1>, <@U0TENANT2>) ' +
          'and on-call (<!subteam^S0ONCALL> <@U0ONCALL1>) may see this cluster in project data.',
      );
    });

    it('lets only tenant admins create clusters in a channel of no project', async () => {
      expect(await allowed('cluster.create', { user: 'U0TENANT1', channel: 'C0ELSEWHERE' })).toBe(true);
      expect(await refusal('cluster.create', { user: 'U0PADMIN1', channel: 'C0ELSEWHERE' })).toBe(
        '<#C0ELSEWHERE> belongs to no project, so only tenant admins (<@U0TENANT1>, <@U0TENANT2>) may create a cluster here. ' +
          'Run the command in a project channel, or ask a tenant admin to add this channel to a project in the policy file.',
      );
    });
  });

  describe('using cloud accounts', () => {
    const platformAccount = { kind: 'project', project: 'platform' } as const;

    it("lets a project's members use its accounts and tenant accounts from its channels", async () => {
      expect(await allowed('account.use', { user: 'U0ANYONE', accountScope: platformAccount })).toBe(true);
      expect(await allowed('account.use', { user: 'U0ANYONE', accountScope: { kind: 'tenant' } })).toBe(true);
    });

    it("refuses anyone using a project's account from outside the project, tenant admins included", async () => {
      const message = "This cloud account belongs to project platform: it can be used only from that project's channels (<#C0PLATFORM>, <#C0PLATOPS>), by its members, its admins and tenant admins.";
      expect(await refusal('account.use', { user: 'U0ANALYST', channel: 'C0DATA', accountScope: platformAccount })).toBe(message);
      expect(await refusal('account.use', { user: 'U0TENANT1', channel: 'C0ELSEWHERE', accountScope: platformAccount })).toBe(message);
    });

    it('lets a user in a channel of no project use tenant accounts only if a tenant admin', async () => {
      expect(await allowed('account.use', { user: 'U0TENANT2', channel: 'C0ELSEWHERE', accountScope: { kind: 'tenant' } })).toBe(true);
      expect(await refusal('account.use', { user: 'U0ANYONE', channel: 'C0ELSEWHERE', accountScope: { kind: 'tenant' } })).toMatch(
        /^<#C0ELSEWHERE> belongs to no project, so only tenant admins \(<@U0TENANT1>, <@U0TENANT2>\) may use a cloud account here\./,
      );
    });

    it("refuses a non-member using tenant accounts in a project whose members are listed", async () => {
      expect(await allowed('account.use', { user: 'U0ANYONE', channel: 'C0DATA', accountScope: { kind: 'tenant' } })).toBe(false);
    });
  });

  describe('adding and removing cloud accounts', () => {
    it('lets only tenant admins add a tenant account, naming them', async () => {
      expect(await allowed('account.addTenant', { user: 'U0TENANT2' })).toBe(true);
      expect(await refusal('account.addTenant', { user: 'U0PADMIN1' })).toBe(
        'Only tenant admins (<@U0TENANT1>, <@U0TENANT2>) may add a tenant cloud account.',
      );
    });

    it("lets the project's admins and tenant admins add a project account, not its members", async () => {
      expect(await allowed('account.addProject', { user: 'U0PADMIN1' })).toBe(true);
      expect(await allowed('account.addProject', { user: 'U0TENANT1' })).toBe(true);
      expect(await refusal('account.addProject', { user: 'U0ANYONE' })).toBe(
        'Only the admins of project platform (<@U0PADMIN1>) and tenant admins (<@U0TENANT1>, <@U0TENANT2>) may add a cloud account to project platform.',
      );
    });

    it("does not let one project's admin add an account to another project", async () => {
      expect(await allowed('account.addProject', { user: 'U0DADMIN1', project: 'platform' })).toBe(false);
    });

    it('lets only tenant admins remove a tenant account, and project admins their own project accounts', async () => {
      expect(await refusal('account.remove', { user: 'U0PADMIN1', accountScope: { kind: 'tenant' } })).toBe(
        'Only tenant admins (<@U0TENANT1>, <@U0TENANT2>) may remove a tenant cloud account.',
      );
      expect(await allowed('account.remove', { user: 'U0PADMIN1', accountScope: { kind: 'project', project: 'platform' } })).toBe(true);
      expect(await allowed('account.remove', { user: 'U0DADMIN1', accountScope: { kind: 'project', project: 'platform' } })).toBe(false);
    });
  });

  describe('deleting and force deleting clusters', () => {
    it("lets the project's admins and tenant admins delete, not members or on-call", async () => {
      expect(await allowed('cluster.delete', { user: 'U0PADMIN1' })).toBe(true);
      expect(await allowed('cluster.delete', { user: 'U0TENANT1' })).toBe(true);
      expect(await allowed('cluster.delete', { user: 'U0ONCALL1' })).toBe(false);
      expect(await refusal('cluster.delete', { user: 'U0ANYONE' })).toBe(
        'Only the admins of project platform (<@U0PADMIN1>) and tenant admins (<@U0TENANT1>, <@U0TENANT2>) may delete this cluster.',
      );
    });

    it('lets on-call users listed by ID force delete', async () => {
      expect(await allowed('cluster.forceDelete', { user: 'U0ONCALL1' })).toBe(true);
    });

    it('recognises an on-call user through the user group', async () => {
      expect(await allowed('cluster.forceDelete', { user: 'U0GROUPED' })).toBe(true);
      expect(groupCalls).toEqual(['S0ONCALL']);
    });

    it('says who may force delete, on-call group included', async () => {
      expect(await refusal('cluster.forceDelete', { user: 'U0ANYONE' })).toBe(
        'Only tenant admins (<@U0TENANT1>, <@U0TENANT2>), the admins of project platform (<@U0PADMIN1>) and on-call (<!subteam^S0ONCALL> <@U0ONCALL1>) may force delete this cluster.',
      );
    });

    it('reuses the user group members for a few minutes, then asks Slack again', async () => {
      await check('cluster.forceDelete', { user: 'U0ANYONE' });
      groups.set('S0ONCALL', ['U0ANYONE']);
      clock.advance(4 * 60_000);
      expect(await allowed('cluster.forceDelete', { user: 'U0ANYONE' })).toBe(false);
      clock.advance(60_000);
      expect(await allowed('cluster.forceDelete', { user: 'U0ANYONE' })).toBe(true);
      expect(groupCalls).toEqual(['S0ONCALL', 'S0ONCALL']);
    });

    it('uses the members last seen, with a warning, when Slack does not answer once the cache is stale', async () => {
      const logs: string[] = [];
      policy = createPolicy(parsePolicy(FILE, POLICY), {
        userGroupMembers: async (groupId) => {
          groupCalls.push(groupId);
          if (groupCalls.length > 1) throw new Error('An API error occurred: ratelimited');
          return ['U0GROUPED'];
        },
        clock,
        cacheMs: 5 * 60_000,
        logger: createLogger({ level: 'warn', destination: { write: (line: string) => void logs.push(line) } }),
      });
      expect(await allowed('cluster.forceDelete', { user: 'U0GROUPED' })).toBe(true);
      clock.advance(10 * 60_000);
      expect(await allowed('cluster.forceDelete', { user: 'U0GROUPED' })).toBe(true);
      expect(groupCalls).toEqual(['S0ONCALL', 'S0ONCALL']);
      expect(logs.join('')).toContain('could not list the on-call user group; using its 1 members last seen');
    });

    describe('with several on-call user groups', () => {
      const THREE_GROUPS = POLICY.replace('userGroups: [S0ONCALL]', 'userGroups: [S0ONCALL, S0NIGHTS, S0WEEKEND]');
      const members: Record<string, string[]> = { S0ONCALL: ['U0GROUPED'], S0NIGHTS: [], S0WEEKEND: ['U0WEEKEND'] };

      it('asks Slack for every group at once, not one after another', async () => {
        const pending: { groupId: string; answer: () => void }[] = [];
        policy = createPolicy(parsePolicy(FILE, THREE_GROUPS), {
          userGroupMembers: (groupId) => new Promise((resolve) => pending.push({ groupId, answer: () => resolve(members[groupId] ?? []) })),
          clock,
          cacheMs: 5 * 60_000,
        });

        const decision = allowed('cluster.forceDelete', { user: 'U0WEEKEND' });
        await Promise.resolve();

        expect(pending.map((p) => p.groupId)).toEqual(['S0ONCALL', 'S0NIGHTS', 'S0WEEKEND']);
        for (const lookup of pending) lookup.answer();
        expect(await decision).toBe(true);
      });

      it('answers within one budget for all groups, with the members last seen of those Slack has not answered', async () => {
        const logs: string[] = [];
        let slackAnswers = true;
        policy = createPolicy(parsePolicy(FILE, THREE_GROUPS), {
          // Once the cache is stale, Slack never answers.
          userGroupMembers: (groupId) => (slackAnswers ? Promise.resolve(members[groupId] ?? []) : new Promise<string[]>(() => undefined)),
          clock,
          cacheMs: 5 * 60_000,
          userGroupBudgetMs: 150,
          logger: createLogger({ level: 'warn', destination: { write: (line: string) => void logs.push(line) } }),
        });
        expect(await allowed('cluster.forceDelete', { user: 'U0WEEKEND' })).toBe(true);
        slackAnswers = false;
        clock.advance(10 * 60_000);

        const startedAt = Date.now();
        expect(await allowed('cluster.forceDelete', { user: 'U0WEEKEND' })).toBe(true);
        expect(await allowed('cluster.forceDelete', { user: 'U0NOBODY' })).toBe(false);

        // Two checks, each waiting once for the three groups together: 2 × 150 ms (one after another: 900 ms).
        expect(Date.now() - startedAt).toBeLessThan(700);
        const warnings = logs.filter((l) => l.includes('could not list the on-call user group'));
        expect(warnings).toHaveLength(6);
        expect(warnings.every((l) => l.includes('no answer within 150 ms'))).toBe(true);
      });
    });

    it('treats a user group Slack cannot list as having no members', async () => {
      groups.clear();
      expect(await allowed('cluster.forceDelete', { user: 'U0GROUPED' })).toBe(false);
      expect(await allowed('cluster.forceDelete', { user: 'U0ONCALL1' })).toBe(true);
    });
  });

  it('refuses with data (who may, for what), leaving the Slack text to the view', async () => {
    const decision = await check('cluster.delete', { user: 'U0ANYONE', channel: 'C0DATA', project: 'data' });
    expect(decision).toEqual({
      allowed: false,
      refusal: {
        kind: 'onlyThese',
        action: 'cluster.delete',
        who: [
          { kind: 'projectAdmins', project: 'data', users: ['U0DADMIN1'] },
          { kind: 'tenantAdmins', users: ['U0TENANT1', 'U0TENANT2'] },
        ],
      },
    });
    expect(JSON.stringify(decision)).not.toMatch(/<[@#!]/);
  });

  it('mentions on-call by group and by user', () => {
    expect(onCallMention(policy.onCall())).toBe('<!subteam^S0ONCALL> <@U0ONCALL1>');
  });

  it('says so when a role has nobody listed', async () => {
    policy = build(parsePolicy(FILE, 'projects: [{ name: solo, channels: [C0SOLO] }]'));
    expect(await refusal('account.addTenant', { user: 'U0ANYONE', channel: 'C0SOLO' })).toBe(
      'Only tenant admins (none listed in the policy) may add a tenant cloud account.',
    );
  });
});

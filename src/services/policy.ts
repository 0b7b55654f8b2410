import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import type { Clock } from './clock.js';
import { EXPIRY_CHOICES, EXPIRY_DURATION_MS, type ExpiryRule } from './domain/expiry.js';
import type { Logger } from './logger.js';
import type { Approvers } from './domain/index.js';
import type { ApprovalOperation, ApprovalRule, ApprovalStanding, Authority, Decision, Policy, PolicyAction, PolicyRefusal, PolicySubject, Project } from './policy-types.js';

/*
 * Who may do what (data/policy.yaml):
 * - cluster.create, cluster.view, account.use: members of the project (with `members: everyone`, anyone
 *   who runs the command in one of the project's channels), its admins and tenant admins — always within
 *   the project of the cluster or account. A project cloud account is usable only from its project's
 *   channels. In a channel that belongs to no project, only tenant admins may act, with tenant accounts only.
 * - cluster.view also: on-call, who may force delete any cluster, so may see the one they were paged for.
 * - cluster.delete: the project's admins and tenant admins.
 * - cluster.forceDelete: tenant admins, the project's admins and on-call.
 * - cluster.protect (deletion protection on or off): the project's admins and tenant admins.
 * - cluster.kubeconfig: the project's admins and tenant admins; with `kubeconfig: members`, the
 *   project's members too.
 * - account.addTenant: tenant admins.
 * - account.addProject, account.remove: the project's admins and tenant admins (a tenant account: tenant admins).
 * - cluster.expiry.keep (remove a cluster's expiry): the project's admins and tenant admins; extending it
 *   (cluster.expiry.extend): also whoever requested the cluster.
 */

const idOf = (what: string, pattern: RegExp) => {
  const problem = (iss: { input?: unknown }) =>
    iss.input === undefined ? `a ${what} is required` : `${JSON.stringify(iss.input)} is not a ${what}`;
  return z.string({ error: problem }).regex(pattern, { error: problem });
};

const userId = idOf('Slack user ID', /^[UW][A-Z0-9]{2,}$/);
const channelId = idOf('Slack channel ID', /^[CGD][A-Z0-9]{2,}$/);
const userGroupId = idOf('Slack user group ID', /^S[A-Z0-9]{2,}$/);

/** A duration as the policy writes it: `8h`, `3d` (hours or days). */
const durationMs = z
  .string({ error: 'must be a duration like 8h or 7d' })
  .regex(/^[1-9][0-9]{0,3}[hd]$/, 'must be a duration like 8h or 7d')
  .transform((text) => Number(text.slice(0, -1)) * (text.endsWith('d') ? 24 : 1) * 3_600_000);

/** `expiry: { max: 7d, default: 3d }`: the longest a project's clusters may live, and the wizard's first choice. */
const expirySchema = z
  .strictObject({ max: durationMs.optional(), default: z.enum(EXPIRY_CHOICES).optional() })
  .superRefine((rule, ctx) => {
    const ms = rule.default && EXPIRY_DURATION_MS[rule.default];
    if (rule.max !== undefined && rule.default && (ms === undefined || ms > rule.max)) {
      ctx.addIssue({ code: 'custom', path: ['default'], message: `"${rule.default}" is beyond the project's maximum` });
    }
  });

/**
 * A project's approval rule for one operation: who approves, and when it applies (`always`, `never`,
 * or when the estimated monthly price is above a threshold, in the estimate's currency).
 */
const approvalRuleSchema = z
  .strictObject({
    approvers: z
      .string({ error: 'must be "admins" or a Slack user group ID (S…)' })
      .refine((v) => v === 'admins' || /^S[A-Z0-9]{2,}$/.test(v), { error: (iss) => `${JSON.stringify(iss.input)} is neither "admins" nor a Slack user group ID (S…)` })
      .default('admins'),
    when: z.enum(['always', 'never'], { error: 'must be "always" or "never" (or use whenMonthlyCostAbove)' }).optional(),
    whenMonthlyCostAbove: z.number({ error: 'must be a number (the monthly price, in the estimate\'s currency)' }).nonnegative('must be 0 or more').optional(),
  })
  .superRefine((rule, ctx) => {
    if ((rule.when === undefined) === (rule.whenMonthlyCostAbove === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of when (always / never) and whenMonthlyCostAbove' });
    }
  });

const projectSchema = z.strictObject({
  name: z
    .string({ error: 'a project name is required' })
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1–40 lowercase letters, digits or dashes'),
  channels: z.array(channelId).min(1, 'a project needs at least one channel'),
  admins: z.array(userId).default([]),
  members: z
    .union([z.literal('everyone'), z.array(userId)], { error: 'must be "everyone" or a list of Slack user IDs' })
    .default('everyone'),
  expiry: expirySchema.optional(),
  /**
   * Two-person approval: `create` is enforced at Deploy, `poolGrowth` when a scale raises a pool
   * (src/services/change-approval.ts), `upgrade` when a Kubernetes upgrade is submitted.
   */
  approval: z
    .strictObject({ create: approvalRuleSchema.optional(), upgrade: approvalRuleSchema.optional(), poolGrowth: approvalRuleSchema.optional() })
    .optional(),
});

export const policySchema = z
  .strictObject({
    tenantAdmins: z.array(userId).default([]),
    projects: z.array(projectSchema).default([]),
    onCall: z
      .strictObject({ users: z.array(userId).default([]), userGroups: z.array(userGroupId).default([]) })
      .default({ users: [], userGroups: [] }),
    /** Who may download a cluster's kubeconfig: `admins` (the project's and tenant admins) or `members` too. */
    kubeconfig: z.enum(['admins', 'members'], { error: 'must be "admins" or "members"' }).default('admins'),
    /** Who may scale, add and remove a cluster's worker pools: the project's admins (default) or also its members; tenant admins always. */
    poolChanges: z.enum(['admins', 'members'], { error: 'must be "admins" or "members"' }).default('admins'),
    /** Who may upgrade a cluster's Kubernetes version: the project's admins (default) or also its members; tenant admins always. */
    upgrade: z.enum(['admins', 'members'], { error: 'must be "admins" or "members"' }).default('admins'),
  })
  .superRefine((spec, ctx) => {
    const projectOf = new Map<string, string>();
    spec.projects.forEach((project, i) => {
      if (spec.projects.findIndex((p) => p.name === project.name) < i) {
        ctx.addIssue({ code: 'custom', path: ['projects', i, 'name'], message: `project "${project.name}" is defined twice` });
      }
      project.channels.forEach((channel, j) => {
        const owner = projectOf.get(channel);
        if (owner !== undefined && owner !== project.name) {
          ctx.addIssue({
            code: 'custom',
            path: ['projects', i, 'channels', j],
            message: `channel ${channel} already belongs to project "${owner}"`,
          });
        }
        projectOf.set(channel, project.name);
      });
    });
  });

export type PolicySpec = z.output<typeof policySchema>;

/** The policy file cannot be used; the message names the file, the field and the problem. */
export class PolicyError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(problems.map((problem) => `${file}: ${problem}`).join('\n'));
    this.name = 'PolicyError';
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
    '',
  );
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${fieldPath([...issue.path, key])}: unknown field`);
  }
  const where = issue.path.length > 0 ? fieldPath(issue.path) : '(top level)';
  const message =
    issue.code === 'invalid_type' && issue.message.endsWith('received undefined') ? 'is required' : issue.message;
  return [`${where}: ${message}`];
}

/** Parses policy text; `file` only names the source in errors. */
export function parsePolicy(file: string, text: string): PolicySpec {
  let document: unknown;
  try {
    document = parseYaml(text) ?? {};
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error);
    throw new PolicyError(file, [`not valid YAML (${detail})`]);
  }
  const parsed = policySchema.safeParse(document);
  if (!parsed.success) throw new PolicyError(file, parsed.error.issues.flatMap(describeIssue));
  return parsed.data;
}

export async function loadPolicy(file: string): Promise<PolicySpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new PolicyError(file, [`cannot read the policy file (${code}); set POLICY_FILE or create it from the example in data/policy.yaml`]);
  }
  return parsePolicy(file, text);
}

export interface PolicyDeps {
  /** Members of a Slack user group (usergroups.users.list). */
  userGroupMembers: (groupId: string) => Promise<string[]>;
  clock: Clock;
  /** How long user group members are reused before Slack is asked again. */
  cacheMs: number;
  /**
   * How long one check waits for the on-call user groups, all looked up at once, before using the
   * members last seen of those that did not answer (wall-clock ms). Checks run while Slack waits for
   * an ack.
   */
  userGroupBudgetMs?: number;
  logger?: Logger;
}

const DEFAULT_USER_GROUP_BUDGET_MS = 1_500;

class LookupTooSlow extends Error {
  constructor(budgetMs: number) {
    super(`no answer within ${budgetMs} ms`);
  }
}

export function createPolicy(spec: PolicySpec, deps: PolicyDeps): Policy {
  const groupCache = new Map<string, { at: number; members: string[] }>();

  const projectNamed = (name: string | undefined) => spec.projects.find((p) => p.name === name);
  const projectForChannel = (channel: string) => spec.projects.find((p) => p.channels.includes(channel));
  const isTenantAdmin = (user: string) => spec.tenantAdmins.includes(user);
  const isProjectAdmin = (project: Project | undefined, user: string) => project?.admins.includes(user) ?? false;
  const isMember = (project: Project | undefined, subject: PolicySubject) => {
    if (!project) return false;
    if (isProjectAdmin(project, subject.user)) return true;
    if (project.members === 'everyone') return project.channels.includes(subject.channel);
    return project.members.includes(subject.user);
  };

  const budgetMs = deps.userGroupBudgetMs ?? DEFAULT_USER_GROUP_BUDGET_MS;

  /** A group's members: cached, else asked of Slack until `late` (then, or on an error, the members last seen). */
  async function groupMembers(groupId: string, late: Promise<never>): Promise<string[]> {
    const now = deps.clock.now().getTime();
    const cached = groupCache.get(groupId);
    if (cached && now - cached.at < deps.cacheMs) return cached.members;
    // A lookup that answers after the budget still refreshes the cache for the next check.
    const lookup = deps.userGroupMembers(groupId).then((members) => {
      groupCache.set(groupId, { at: now, members });
      return members;
    });
    lookup.catch(() => undefined);
    try {
      return await Promise.race([lookup, late]);
    } catch (error) {
      // Slack did not answer (rate limit, timeout, error): the members last seen, else nobody.
      const fallback = cached ? `using its ${cached.members.length} members last seen` : 'treating it as empty';
      deps.logger?.warn({ groupId, err: error instanceof Error ? error.message : String(error) }, `could not list the ${spec.onCall.userGroups.includes(groupId) ? 'on-call' : 'approvers\''} user group; ${fallback}`);
      return cached?.members ?? [];
    }
  }

  /** Listed by ID, or a member of an on-call user group: the groups are asked in parallel, within one budget. */
  const isOnCall = (user: string): Promise<boolean> => spec.onCall.users.includes(user) ? Promise.resolve(true) : inAnyGroup(spec.onCall.userGroups, user);

  /** A member of one of these user groups: the groups are asked in parallel, within one budget. */
  async function inAnyGroup(userGroups: readonly string[], user: string): Promise<boolean> {
    if (userGroups.length === 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LookupTooSlow(budgetMs)), budgetMs);
    });
    late.catch(() => undefined);
    try {
      const groups = await Promise.all(userGroups.map((group) => groupMembers(group, late)));
      return groups.some((members) => members.includes(user));
    } finally {
      clearTimeout(timer);
    }
  }

  const tenantAdmins: Authority = { kind: 'tenantAdmins', users: spec.tenantAdmins };
  const admins = (project: Project): Authority => ({ kind: 'projectAdmins', project: project.name, users: project.admins });
  const members = (project: Project): Authority => ({ kind: 'projectMembers', project: project.name, users: project.members, channels: project.channels });
  const onCall: Authority = { kind: 'onCall', userGroups: spec.onCall.userGroups, users: spec.onCall.users };

  const allow: Decision = { allowed: true };
  const refuse = (refusal: PolicyRefusal): Decision => ({ allowed: false, refusal });
  const only = (who: Authority[], action: PolicyAction, project?: string) => refuse({ kind: 'onlyThese', action, who, ...(project === undefined ? {} : { project }) });
  const noProjectHere = (subject: PolicySubject, action: PolicyAction) =>
    refuse({ kind: 'noProjectHere', action, channel: subject.channel, tenantAdmins: spec.tenantAdmins });

  /** The project acted within: the cluster's or account's, else the channel's. */
  function targetProject(subject: PolicySubject): { name: string | undefined; project: Project | undefined } {
    const name =
      subject.project ??
      (subject.accountScope?.kind === 'project' ? subject.accountScope.project : projectForChannel(subject.channel)?.name);
    return { name, project: projectNamed(name) };
  }

  const adminsOf = (project: Project | undefined): Authority[] => (project ? [admins(project), tenantAdmins] : [tenantAdmins]);
  function whoMay(action: 'cluster.protect' | 'cluster.kubeconfig', name: string | undefined): Authority[] {
    const project = projectNamed(name);
    if (action === 'cluster.kubeconfig' && spec.kubeconfig === 'members' && project) return [members(project), ...adminsOf(project)];
    return adminsOf(project);
  }

  async function check(action: PolicyAction, subject: PolicySubject): Promise<Decision> {
    const { user } = subject;
    const tenantAdmin = isTenantAdmin(user);
    const { name, project } = targetProject(subject);

    switch (action) {
      case 'account.addTenant':
        return tenantAdmin ? allow : only([tenantAdmins], action);

      case 'account.addProject':
        if (!project && tenantAdmin) {
          return refuse({ kind: 'noProjectForAccount', channel: subject.channel });
        }
        if (!project) return noProjectHere(subject, action);
        return tenantAdmin || isProjectAdmin(project, user) ? allow : only([admins(project), tenantAdmins], action, project.name);

      case 'account.remove':
        if (subject.accountScope?.kind !== 'project') {
          return tenantAdmin ? allow : only([tenantAdmins], action);
        }
        return tenantAdmin || isProjectAdmin(project, user) ? allow : only(project ? [admins(project), tenantAdmins] : [tenantAdmins], action, name);

      case 'account.use': {
        const here = projectForChannel(subject.channel);
        if (subject.accountScope?.kind === 'project' && subject.accountScope.project !== here?.name) {
          return refuse({ kind: 'accountOfAnotherProject', project: subject.accountScope.project, ...(project ? { channels: project.channels } : {}) });
        }
        if (!here) return tenantAdmin ? allow : noProjectHere(subject, action);
        return tenantAdmin || isMember(here, subject) ? allow : only([members(here), admins(here), tenantAdmins], action, here.name);
      }

      case 'cluster.create':
        if (!project) return tenantAdmin ? allow : noProjectHere(subject, action);
        return tenantAdmin || isMember(project, subject) ? allow : only([members(project), admins(project), tenantAdmins], action, project.name);

      case 'cluster.view':
        // Whoever may force delete a cluster may see it: on-call is asked last, as it may ask Slack.
        if (tenantAdmin || isMember(project, subject) || (await isOnCall(user))) return allow;
        if (!project) return noProjectHere(subject, action);
        return only([members(project), admins(project), tenantAdmins, onCall], action, project.name);

      case 'cluster.delete':
        if (tenantAdmin || isProjectAdmin(project, user)) return allow;
        return only(project ? [admins(project), tenantAdmins] : [tenantAdmins], action);

      case 'cluster.expiry.keep':
        if (tenantAdmin || isProjectAdmin(project, user)) return allow;
        return only(project ? [admins(project), tenantAdmins] : [tenantAdmins], action);

      case 'cluster.expiry.extend':
        if (tenantAdmin || isProjectAdmin(project, user) || (subject.requester !== undefined && subject.requester === user)) return allow;
        return only(project ? [admins(project), tenantAdmins] : [tenantAdmins], action);

      case 'cluster.approve':
        // Who approves depends on the project's rule: approvalStanding() answers it.
        return tenantAdmin || isProjectAdmin(project, user) ? allow : only(project ? [admins(project), tenantAdmins] : [tenantAdmins], action);

      case 'cluster.protect':
        if (tenantAdmin || isProjectAdmin(project, user)) return allow;
        return only(adminsOf(project), action, name);

      case 'cluster.kubeconfig':
        if (tenantAdmin || isProjectAdmin(project, user)) return allow;
        if (spec.kubeconfig === 'members' && isMember(project, subject)) return allow;
        return only(whoMay(action, name), action, name);

      case 'cluster.changePools':
        if (tenantAdmin || isProjectAdmin(project, user)) return allow;
        if (spec.poolChanges === 'members' && project && isMember(project, subject)) return allow;
        if (!project) return only([tenantAdmins], action);
        return only(spec.poolChanges === 'members' ? [members(project), admins(project), tenantAdmins] : [admins(project), tenantAdmins], action, project.name);

      case 'cluster.upgrade':
        if (tenantAdmin || isProjectAdmin(project, user)) return allow;
        if (spec.upgrade === 'members' && project && isMember(project, subject)) return allow;
        if (!project) return only([tenantAdmins], action);
        return only(spec.upgrade === 'members' ? [members(project), admins(project), tenantAdmins] : [admins(project), tenantAdmins], action, project.name);

      case 'cluster.forceDelete':
        if (tenantAdmin || isProjectAdmin(project, user) || (await isOnCall(user))) return allow;
        return only(project ? [tenantAdmins, admins(project), onCall] : [tenantAdmins, onCall], action);
    }
  }

  const expiryRule = (name: string | undefined): ExpiryRule => {
    const rule = projectNamed(name)?.expiry;
    return { maxMs: rule?.max, default: rule?.default };
  };

  const projectAdmins = (name: string | undefined): readonly string[] => {
    const admins = projectNamed(name)?.admins ?? [];
    return admins.length > 0 ? admins : spec.tenantAdmins;
  };

  function approvalRule(projectName: string | undefined, operation: ApprovalOperation): ApprovalRule | undefined {
    const rule = projectNamed(projectName)?.approval?.[operation];
    if (!rule) return undefined;
    return {
      approvers: rule.approvers === 'admins' ? { kind: 'admins' } : { kind: 'userGroup', userGroup: rule.approvers },
      when: rule.when ?? { monthlyCostAbove: rule.whenMonthlyCostAbove ?? 0 },
    };
  }

  async function approvalStanding(user: string, projectName: string | undefined, approvers: Approvers): Promise<ApprovalStanding> {
    const project = projectNamed(projectName);
    const approver =
      approvers.kind === 'admins' ? isTenantAdmin(user) || isProjectAdmin(project, user) : await inAnyGroup([approvers.userGroup], user);
    const who: Authority[] = approvers.kind === 'admins' ? [...(project ? [admins(project)] : []), tenantAdmins] : [{ kind: 'userGroup', userGroup: approvers.userGroup }];
    const refusal: PolicyRefusal = { kind: 'onlyThese', action: 'cluster.approve', who, ...(projectName === undefined ? {} : { project: projectName }) };
    const breakGlassRefusal: PolicyRefusal = { kind: 'onlyThese', action: 'cluster.approve', who: [tenantAdmins], ...(projectName === undefined ? {} : { project: projectName }) };
    return { approver, breakGlass: isTenantAdmin(user), refusal, breakGlassRefusal };
  }

  return { check, approvalRule, approvalStanding, projectForChannel, expiryRule, projectAdmins, whoMay, onCall: () => ({ userGroups: spec.onCall.userGroups, users: spec.onCall.users }) };
}

import type { OnCall } from '../lifecycle/events.js';
import type { ExpiryRule } from './domain/expiry.js';
import type { Approvers } from './domain/index.js';
/** Who may do what: the contract every handler uses (implemented in policy.ts). */

export type PolicyAction =
  | 'cluster.create'
  | 'cluster.view'
  | 'cluster.delete'
  | 'cluster.forceDelete'
  | 'cluster.expiry.extend'
  | 'cluster.expiry.keep'
  /** Approve (or reject) another person's create request, under the project's approval rule. */
  | 'cluster.approve'
  /** Download the cluster's kubeconfig (an admin credential). */
  | 'cluster.kubeconfig'
  /** Turn the cluster's deletion protection on or off. */
  | 'cluster.protect'
  /** Scale, add or remove a cluster's worker pools (day two). */
  | 'cluster.changePools'
  /** Upgrade the cluster's Kubernetes version (day two). */
  | 'cluster.upgrade'
  | 'account.addTenant'
  | 'account.addProject'
  | 'account.remove'
  | 'account.use';

export interface PolicySubject {
  user: string;
  /** The channel the request came from; it decides the project. */
  channel: string;
  /** Project owning the cluster or account acted on, when it is not the channel's. */
  project?: string | undefined;
  /** For account.use / account.remove: the account's scope. */
  accountScope?: { kind: 'tenant' } | { kind: 'project'; project: string };
  /** For cluster.expiry.extend: who requested the cluster (they may extend it too). */
  requester?: string | undefined;
}

/** Who the policy lets do something, as a refusal names them (src/views/policy-refusals.ts writes them). */
export type Authority =
  | { kind: 'tenantAdmins'; users: readonly string[] }
  | { kind: 'projectAdmins'; project: string; users: readonly string[] }
  /** `users: 'everyone'`: every member of the project's `channels`. */
  | { kind: 'projectMembers'; project: string; users: readonly string[] | 'everyone'; channels: readonly string[] }
  | ({ kind: 'onCall' } & OnCall)
  /** The members of a Slack user group (an approval rule's approvers). */
  | { kind: 'userGroup'; userGroup: string };

/** Why the policy refuses, as data; `src/views/policy-refusals.ts` tells the user. */
export type PolicyRefusal =
  /** Only `who` may do `action` (within `project`, when the action is about one). */
  | { kind: 'onlyThese'; action: PolicyAction; project?: string | undefined; who: Authority[] }
  /** The channel belongs to no project: only tenant admins may do `action` there. */
  | { kind: 'noProjectHere'; action: PolicyAction; channel: string; tenantAdmins: readonly string[] }
  /** A tenant admin adding a project cloud account in a channel of no project. */
  | { kind: 'noProjectForAccount'; channel: string }
  /** A project's cloud account, used from outside the project; `channels` when the policy lists the project. */
  | { kind: 'accountOfAnotherProject'; project: string; channels?: readonly string[] | undefined }
  /** The cloud account asked for no longer exists. */
  | { kind: 'accountGone' }
  /** `action` (delete, force delete) on a cluster with deletion protection on; `who` may turn it off. */
  | { kind: 'deletionProtected'; action: PolicyAction; name: string; who: Authority[] };

export type Decision = { allowed: true } | { allowed: false; refusal: PolicyRefusal };

export interface Project {
  name: string;
  channels: string[];
  admins: string[];
  /** 'everyone' = every member of the project's channels. */
  members: string[] | 'everyone';
}

/** An operation a project may require two-person approval for: `create` (Deploy), `poolGrowth` (src/services/change-approval.ts); `upgrade` is read for the upgrade to apply. */
export type ApprovalOperation = 'create' | 'upgrade' | 'poolGrowth';

/** A project's approval rule for an operation, as the policy file gives it. */
export interface ApprovalRule {
  approvers: Approvers;
  when: 'always' | 'never' | { monthlyCostAbove: number };
}

/**
 * May this user decide a request under these approvers: `approver` (one of them), `breakGlass` (a
 * tenant admin, who may always approve as break-glass), and the refusal to show someone who is neither.
 */
export interface ApprovalStanding {
  approver: boolean;
  breakGlass: boolean;
  refusal: PolicyRefusal;
  /** For one who is not a tenant admin pressing break-glass. */
  breakGlassRefusal: PolicyRefusal;
}

export interface Policy {
  /** The project's approval rule for `operation`, if it has one (none for channels of no project). */
  approvalRule(project: string | undefined, operation: ApprovalOperation): ApprovalRule | undefined;
  /** Whether `user` may decide a request of `project` whose approvers are `approvers` (break-glass: tenant admins). */
  approvalStanding(user: string, project: string | undefined, approvers: Approvers): Promise<ApprovalStanding>;
  check(action: PolicyAction, subject: PolicySubject): Promise<Decision>;
  projectForChannel(channel: string): Project | undefined;
  /** Who may do `action` within `project` (as a refusal names them). */
  whoMay(action: 'cluster.protect' | 'cluster.kubeconfig', project: string | undefined): Authority[];
  /** Who is on call (user group ids and user ids), for the force-delete offer. */
  onCall(): OnCall;
  /** A project's expiry rule (data/policy.yaml `expiry`); no project or no rule: no maximum, no default. */
  expiryRule(project: string | undefined): ExpiryRule;
  /** A project's admins (the tenant admins when it has none, or for no project): who is told about a protected cluster's expiry. */
  projectAdmins(project: string | undefined): readonly string[];
}

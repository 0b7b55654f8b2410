import type { OnCall } from '../lifecycle/events.js';
/** Who may do what: the contract every handler uses (implemented in policy.ts). */

export type PolicyAction =
  | 'cluster.create'
  | 'cluster.view'
  | 'cluster.delete'
  | 'cluster.forceDelete'
  /** Scale, add or remove a cluster's worker pools (day two). */
  | 'cluster.changePools'
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
}

/** Who the policy lets do something, as a refusal names them (src/views/policy-refusals.ts writes them). */
export type Authority =
  | { kind: 'tenantAdmins'; users: readonly string[] }
  | { kind: 'projectAdmins'; project: string; users: readonly string[] }
  /** `users: 'everyone'`: every member of the project's `channels`. */
  | { kind: 'projectMembers'; project: string; users: readonly string[] | 'everyone'; channels: readonly string[] }
  | ({ kind: 'onCall' } & OnCall);

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
  | { kind: 'accountGone' };

export type Decision = { allowed: true } | { allowed: false; refusal: PolicyRefusal };

export interface Project {
  name: string;
  channels: string[];
  admins: string[];
  /** 'everyone' = every member of the project's channels. */
  members: string[] | 'everyone';
}

export interface Policy {
  check(action: PolicyAction, subject: PolicySubject): Promise<Decision>;
  projectForChannel(channel: string): Project | undefined;
  /** Who is on call (user group ids and user ids), for the force-delete offer. */
  onCall(): OnCall;
}

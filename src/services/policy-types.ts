import type { OnCall } from '../lifecycle/events.js';
/** Who may do what: the contract every handler uses (implemented in policy.ts). */

export type PolicyAction =
  | 'cluster.create'
  | 'cluster.view'
  | 'cluster.delete'
  | 'cluster.forceDelete'
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

export type Decision = { allowed: true } | { allowed: false; message: string };

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
  /** Slack mention of on-call for messages, e.g. "<!subteam^S0ONCALL>" or "<@U1> <@U2>". */
  onCallMention(): string;
  /** Who is on call (user group ids and user ids), for the force-delete offer. */
  onCall(): OnCall;
}

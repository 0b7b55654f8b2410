import type { Authority, PolicyAction, PolicyRefusal } from '../services/policy-types.js';

/** Why the policy refused, for the user: who may do it, with mentions of the people and channels the policy names. */

const mentions = (users: readonly string[]) => users.map((u) => `<@${u}>`).join(', ');
const listed = (users: readonly string[]) => (users.length > 0 ? mentions(users) : 'none listed in the policy');
const channels = (ids: readonly string[]) => ids.map((c) => `<#${c}>`).join(', ');

/** On-call as Slack mentions: the user groups, then the users ("<!subteam^S0ONCALL> <@U1>"). */
export function onCallMention(onCall: { userGroups: readonly string[]; users: readonly string[] }): string {
  return [...onCall.userGroups.map((g) => `<!subteam^${g}>`), ...onCall.users.map((u) => `<@${u}>`)].join(' ');
}

function authorityText(who: Authority): string {
  switch (who.kind) {
    case 'tenantAdmins':
      return `tenant admins (${listed(who.users)})`;
    case 'projectAdmins':
      return `the admins of project ${who.project} (${listed(who.users)})`;
    case 'projectMembers':
      return who.users === 'everyone'
        ? `members of project ${who.project} (everyone in ${channels(who.channels)})`
        : `members of project ${who.project} (${listed(who.users)})`;
    case 'userGroup':
      return `members of <!subteam^${who.userGroup}>`;
    case 'onCall':
      return `on-call (${onCallMention(who) || 'none listed in the policy'})`;
  }
}

/** What the action is, in the words of a refusal; `project`: the one it is about, when the words name it. */
function deed(action: PolicyAction, project: string | undefined): string {
  switch (action) {
    case 'account.addTenant':
      return 'add a tenant cloud account';
    case 'account.addProject':
      return project === undefined ? 'add a cloud account' : `add a cloud account to project ${project}`;
    case 'account.remove':
      return project === undefined ? 'remove a tenant cloud account' : `remove a cloud account of project ${project}`;
    case 'account.use':
      return project === undefined ? 'use a cloud account' : `use cloud accounts of project ${project}`;
    case 'cluster.create':
      return project === undefined ? 'create a cluster' : `create a cluster in project ${project}`;
    case 'cluster.view':
      return project === undefined ? 'see this cluster' : `see this cluster in project ${project}`;
    case 'cluster.delete':
      return 'delete this cluster';
    case 'cluster.changePools':
      return 'change this cluster\'s worker pools';
    case 'cluster.upgrade':
      return "upgrade this cluster's Kubernetes version";
    case 'cluster.forceDelete':
      return 'force delete this cluster';
    case 'cluster.expiry.extend':
      return "extend this cluster's expiry (besides whoever requested it)";
    case 'cluster.expiry.keep':
      return 'keep this cluster (remove its expiry)';
    case 'cluster.approve':
      return project === undefined ? 'approve this cluster' : `approve clusters in project ${project}`;
    case 'cluster.kubeconfig':
      return project === undefined ? "get this cluster's kubeconfig" : `get the kubeconfig of clusters in project ${project}`;
    case 'cluster.protect':
      return "turn this cluster's deletion protection on or off";
  }
}

const oneOf = (who: string[]) => (who.length > 1 ? `${who.slice(0, -1).join(', ')} and ${who.at(-1)}` : who[0]);

export function policyRefusalText(refusal: PolicyRefusal): string {
  switch (refusal.kind) {
    case 'onlyThese':
      return `Only ${oneOf(refusal.who.map(authorityText))} may ${deed(refusal.action, refusal.project)}.`;
    case 'noProjectHere':
      return (
        `<#${refusal.channel}> belongs to no project, so only ${authorityText({ kind: 'tenantAdmins', users: refusal.tenantAdmins })} ` +
        `may ${deed(refusal.action, undefined)} here. ` +
        'Run the command in a project channel, or ask a tenant admin to add this channel to a project in the policy file.'
      );
    case 'noProjectForAccount':
      return (
        `<#${refusal.channel}> belongs to no project, so no project cloud account can be added here. ` +
        'Run the command in a project channel, or `/tke account add tenant` for a tenant cloud account.'
      );
    case 'accountOfAnotherProject':
      return (
        `This cloud account belongs to project ${refusal.project}: it can be used only from that project's channels` +
        `${refusal.channels ? ` (${channels(refusal.channels)})` : ''}, by its members, its admins and tenant admins.`
      );
    case 'accountGone':
      return 'This cloud account no longer exists; pick another one.';
    case 'deletionProtected':
      return (
        `:lock: ${refusal.name} has deletion protection on, so it cannot be ${refusal.action === 'cluster.forceDelete' ? 'force deleted' : 'deleted'}. ` +
        `Only ${oneOf(refusal.who.map(authorityText))} may turn it off: \`/tke unprotect ${refusal.name}\`, or *Turn off deletion protection* in the overview.`
      );
  }
}

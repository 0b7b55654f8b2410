/**
 * What a person's App Home tab shows (the view is `src/views/home.ts`; the publishing, rate-limited,
 * is `src/slack/home-publisher.ts`): the approval requests they may decide, the clusters they
 * requested, the clusters they own or administer that expire within 24 hours, and the channel the
 * Create cluster button opens the wizard for. Data only: no Slack here.
 */
import type { Clock } from './clock.js';
import { CLUSTER_STATUSES, isGone, type ClusterRecord, type ClusterStatus, type CostEstimate } from './domain/index.js';
import type { ApprovalReason, Approvers } from './domain/index.js';
import type { Policy } from './policy-types.js';
import type { ClusterRepository, DraftRepository } from './repositories/repositories.js';
import type { EndpointAccess } from './tke.js';

/** "Expiring in the next 24 h". */
export const HOME_EXPIRING_WITHIN_MS = 24 * 60 * 60_000;

/** A cluster as one line of the Home tab. */
export interface HomeCluster {
  id: string;
  name: string;
  status: ClusterStatus;
  project?: string | undefined;
  channel: string;
  region: string;
  requestedBy: string;
  createdAt: string;
  estimate?: CostEstimate | undefined;
  expiresAt?: string | undefined;
  expirySetBy?: string | undefined;
  /** The provisioning thread's root message, when it has one. */
  thread?: { channel: string; ts: string } | undefined;
}

export interface HomeApprovalRequest extends HomeCluster {
  approvers: Approvers;
  reason: ApprovalReason;
  requestedAt: string;
  /** When the request closes unanswered. */
  closesAt: string;
}

export interface HomeMyCluster extends HomeCluster {
  /** The endpoints a kubeconfig can be had for, when this user may get one (else empty). */
  kubeconfigEndpoints: EndpointAccess[];
}

export interface HomeData {
  user: string;
  /** Requests of others this user is an approver of, oldest first. */
  approvals: HomeApprovalRequest[];
  /** Clusters this user requested that are not gone (deleted, rejected), newest first. */
  myClusters: HomeMyCluster[];
  /** Clusters this user requested or administers (project or tenant admin) expiring within 24 h, soonest first. */
  expiring: (HomeCluster & { expiresAt: string })[];
  /**
   * Where Create cluster opens the wizard: the channel of this user's latest wizard draft or
   * cluster (the wizard needs a channel: it decides the project); none when they have neither.
   */
  createChannel?: string | undefined;
}

/** The App Home tabs people opened (src/slack/home-publisher.ts publishes them). */
export interface HomeTabs {
  /** `app_home_opened`: show `user` their tab, and keep it current from now on. */
  opened(user: string): void;
}

export interface HomeService {
  homeFor(user: string): Promise<HomeData>;
  /**
   * Could `cluster` be on `user`'s Home (as it is now)? Cheap, no I/O: the requester, and anyone
   * when it awaits approval or has an expiry (approvers and admins are many). A Home that showed
   * it before is refreshed regardless (the publisher remembers what it showed).
   */
  mayConcern(cluster: ClusterRecord, user: string): boolean;
}

export interface HomeDeps {
  clusters: Pick<ClusterRepository, 'list'>;
  drafts: Pick<DraftRepository, 'list'>;
  policy: Pick<Policy, 'approvalStanding' | 'check'>;
  /** The endpoints a kubeconfig can be had for (ClusterAccessService.readyEndpoints). */
  readyEndpoints(cluster: ClusterRecord): EndpointAccess[];
  clock: Clock;
}

/** Deleted and rejected clusters are on nobody's Home. */
const LIVE_STATUSES = CLUSTER_STATUSES.filter((s) => !isGone(s));

const homeCluster = (c: ClusterRecord): HomeCluster => ({
  id: c.id,
  name: c.spec.name,
  status: c.status,
  project: c.project,
  channel: c.channel,
  region: c.spec.region,
  requestedBy: c.requestedBy,
  createdAt: c.createdAt,
  estimate: c.estimate,
  expiresAt: c.expiresAt,
  expirySetBy: c.expirySetBy,
  thread: c.thread,
});

const byTime = (key: (c: ClusterRecord) => string | undefined, order: 1 | -1) => (a: ClusterRecord, b: ClusterRecord) =>
  order * (Date.parse(key(a) ?? '') - Date.parse(key(b) ?? ''));

export function createHomeService(deps: HomeDeps): HomeService {
  const { clusters, policy } = deps;

  async function approvalsFor(user: string, all: readonly ClusterRecord[]): Promise<HomeApprovalRequest[]> {
    const waiting = all.filter((c) => c.status === 'AwaitingApproval' && c.approval && c.requestedBy !== user);
    const mine = await Promise.all(
      waiting.map(async (c) => {
        // Approvers only: a tenant admin's break-glass is for emergencies, not a to-do list.
        const standing = await policy.approvalStanding(user, c.project, c.approval?.approvers ?? { kind: 'admins' });
        return standing.approver ? c : undefined;
      }),
    );
    return mine
      .filter((c): c is ClusterRecord => c !== undefined)
      .sort(byTime((c) => c.approval?.requestedAt, 1))
      .flatMap((c) =>
        c.approval ? [{ ...homeCluster(c), approvers: c.approval.approvers, reason: c.approval.reason, requestedAt: c.approval.requestedAt, closesAt: c.approval.expiresAt }] : [],
      );
  }

  async function myClustersFor(user: string, all: readonly ClusterRecord[]): Promise<HomeMyCluster[]> {
    const mine = all.filter((c) => c.requestedBy === user && !isGone(c.status)).sort(byTime((c) => c.createdAt, -1));
    return Promise.all(
      mine.map(async (c) => {
        const ready = deps.readyEndpoints(c);
        const allowed = ready.length > 0 && (await policy.check('cluster.kubeconfig', { user, channel: c.channel, project: c.project })).allowed;
        return { ...homeCluster(c), kubeconfigEndpoints: allowed ? ready : [] };
      }),
    );
  }

  async function expiringFor(user: string, all: readonly ClusterRecord[]): Promise<HomeData['expiring']> {
    const now = deps.clock.now().getTime();
    const soon = all.filter((c) => {
      if (!c.expiresAt || isGone(c.status) || c.status === 'Deleting') return false;
      const at = Date.parse(c.expiresAt);
      return at > now && at - now <= HOME_EXPIRING_WITHIN_MS;
    });
    const concerned = await Promise.all(
      soon.map(async (c) => {
        if (c.requestedBy === user) return c;
        // Whoever may Keep it (the project's admins, tenant admins) administers it.
        const admin = await policy.check('cluster.expiry.keep', { user, channel: c.channel, project: c.project });
        return admin.allowed ? c : undefined;
      }),
    );
    return concerned
      .filter((c): c is ClusterRecord => c !== undefined)
      .sort(byTime((c) => c.expiresAt, 1))
      .flatMap((c) => (c.expiresAt ? [{ ...homeCluster(c), expiresAt: c.expiresAt }] : []));
  }

  async function createChannelFor(user: string, all: readonly ClusterRecord[]): Promise<string | undefined> {
    const [draft] = await deps.drafts.list({ userId: user });
    const cluster = all.filter((c) => c.requestedBy === user).sort(byTime((c) => c.createdAt, -1))[0];
    if (draft && (!cluster || Date.parse(draft.updatedAt) >= Date.parse(cluster.createdAt))) return draft.channel;
    return cluster?.channel;
  }

  return {
    async homeFor(user) {
      const all = await clusters.list({ status: LIVE_STATUSES });
      const [approvals, myClusters, expiring, createChannel] = await Promise.all([
        approvalsFor(user, all),
        myClustersFor(user, all),
        expiringFor(user, all),
        createChannelFor(user, all),
      ]);
      return { user, approvals, myClusters, expiring, ...(createChannel ? { createChannel } : {}) };
    },

    mayConcern(cluster, user) {
      return cluster.requestedBy === user || cluster.status === 'AwaitingApproval' || cluster.expiresAt !== undefined;
    },
  };
}

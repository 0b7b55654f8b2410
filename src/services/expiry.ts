/**
 * Cluster expiry (issue 12, part 3). The wizard's "Delete automatically after" choice is checked
 * against the project's rule (data/policy.yaml `expiry: { max, default }`) and turned into an
 * absolute `expiresAt` at Deploy (see `expiryOf`). The watcher (src/lifecycle/expiry.ts) reminds
 * and, at that time, calls `expire`. From the reminders, Extend (requester and admins) and Keep
 * (admins: removes the expiry) come here.
 *
 * Extend counts from now: the new expiry is now + the chosen duration, which must be within the
 * project's maximum (so a sandbox cluster lives at most `max` past its last extension, never `max`
 * past creation: extending is a deliberate "still using it").
 */
import { ExpirySteps } from '../lifecycle/expiry.js';
import type { DeletionService } from './deletion.js';
import { EXPIRY_DURATION_MS, expiryChoicesFor, expiryOf, isDeletionProtected, type ExpiryChoice, type ExpiryRule } from './domain/expiry.js';
import type { ClusterRecord } from './domain/index.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Policy, PolicyRefusal } from './policy-types.js';
import type { ClusterRepository } from './repositories/repositories.js';
import type { ProvisioningThreads } from './threads.js';
import { isGone } from './domain/index.js';

/** Why an expiry change did not happen, as data (src/views/expiry.ts tells the user). */
export type ExpiryRefusal =
  | { kind: 'policy'; refusal: PolicyRefusal }
  /** The choice is beyond the project's maximum (or `never` where a maximum applies). */
  | { kind: 'beyondMax'; choice: ExpiryChoice; maxMs: number }
  | { kind: 'noExpiry'; name: string }
  | { kind: 'gone'; name?: string | undefined };

export type ExpiryOutcome = { ok: true; cluster: ClusterRecord } | { ok: false; refusal: ExpiryRefusal };

export interface ExpiryService {
  rule(project: string | undefined): ExpiryRule;
  /** The refusal for a wizard choice in this project, or undefined when it is allowed. */
  choiceRefusal(choice: ExpiryChoice, project: string | undefined): ExpiryRefusal | undefined;
  /** What Extend offers for this cluster: every duration within its project's maximum (never `never`). */
  extendChoices(record: Pick<ClusterRecord, 'project'>): ExpiryChoice[];
  /** Whether this user may extend the cluster now, and to what (Extend's modal). */
  extendOffer(input: { clusterId: string; user: string; channel: string }): Promise<{ ok: true; cluster: ClusterRecord; choices: ExpiryChoice[] } | { ok: false; refusal: ExpiryRefusal }>;
  extend(input: { clusterId: string; user: string; channel: string; choice: ExpiryChoice }): Promise<ExpiryOutcome>;
  keep(input: { clusterId: string; user: string; channel: string }): Promise<ExpiryOutcome>;
  /** The watcher's call at expiry: deletes the cluster like a confirmed deletion (DeletionService: exactly once). */
  expire(clusterId: string): Promise<void>;
  adminsOf(project: string | undefined): readonly string[];
}

export interface ExpiryDeps {
  clusters: Pick<ClusterRepository, 'get' | 'update'>;
  policy: Pick<Policy, 'check' | 'expiryRule' | 'projectAdmins'>;
  deletion: Pick<DeletionService, 'requestDeletion'>;
  threads: Pick<ProvisioningThreads, 'reply' | 'refreshRoot'>;
  clock: Clock;
  logger: Logger;
}

/** The refusal for a choice under a rule (pure: the wizard's check and Extend's). */
export function choiceRefusalUnder(rule: ExpiryRule, choice: ExpiryChoice): ExpiryRefusal | undefined {
  if (rule.maxMs === undefined || expiryChoicesFor(rule).includes(choice)) return undefined;
  return { kind: 'beyondMax', choice, maxMs: rule.maxMs };
}

export function createExpiryService(deps: ExpiryDeps): ExpiryService {
  const { clusters, policy, clock, threads } = deps;
  const rule = (project: string | undefined) => policy.expiryRule(project);

  /** The cluster, when it still runs with an expiry and the user may do `action` to it. */
  async function allowed(input: { clusterId: string; user: string; channel: string }, action: 'cluster.expiry.extend' | 'cluster.expiry.keep'): Promise<ExpiryOutcome> {
    const found = await clusters.get(input.clusterId);
    if (!found || isGone(found.status) || found.status === 'Deleting') return { ok: false, refusal: { kind: 'gone', name: found?.spec.name } };
    const decision = await policy.check(action, { user: input.user, channel: input.channel, project: found.project, requester: found.requestedBy });
    if (!decision.allowed) return { ok: false, refusal: { kind: 'policy', refusal: decision.refusal } };
    if (!found.expiresAt) return { ok: false, refusal: { kind: 'noExpiry', name: found.spec.name } };
    return { ok: true, cluster: found };
  }

  async function changeExpiry(
    input: { clusterId: string; user: string; channel: string },
    action: 'cluster.expiry.extend' | 'cluster.expiry.keep',
    apply: (record: ClusterRecord, at: string) => ExpiryRefusal | undefined,
  ): Promise<ExpiryOutcome> {
    const check = await allowed(input, action);
    if (!check.ok) return check;
    const at = clock.now().toISOString();
    let refusal: ExpiryRefusal | undefined;
    const updated = await clusters.update(input.clusterId, (current) => {
      if (isGone(current.status) || current.status === 'Deleting') refusal = { kind: 'gone', name: current.spec.name };
      else if (!current.expiresAt) refusal = { kind: 'noExpiry', name: current.spec.name };
      else refusal = apply(current, at);
      if (refusal) return false;
    });
    if (!updated) return { ok: false, refusal: { kind: 'gone' } };
    if (refusal) return { ok: false, refusal };
    return { ok: true, cluster: updated };
  }

  return {
    rule,
    choiceRefusal: (choice, project) => choiceRefusalUnder(rule(project), choice),
    extendChoices: (record) => expiryChoicesFor(rule(record.project)).filter((choice) => choice !== 'never'),
    adminsOf: (project) => policy.projectAdmins(project),

    async extendOffer(input) {
      const check = await allowed(input, 'cluster.expiry.extend');
      if (!check.ok) return check;
      return { ok: true, cluster: check.cluster, choices: expiryChoicesFor(rule(check.cluster.project)).filter((choice) => choice !== 'never') };
    },

    async extend(input) {
      const outcome = await changeExpiry(input, 'cluster.expiry.extend', (record, at) => {
        const ms = EXPIRY_DURATION_MS[input.choice];
        const refusal = choiceRefusalUnder(rule(record.project), input.choice);
        if (refusal) return refusal;
        if (ms === undefined) return { kind: 'beyondMax', choice: input.choice, maxMs: rule(record.project).maxMs ?? 0 };
        Object.assign(record, expiryOf(input.choice, input.user, new Date(Date.parse(at))));
        return undefined;
      });
      if (outcome.ok) {
        const expiresAt = outcome.cluster.expiresAt as string;
        await threads.reply(input.clusterId, ExpirySteps.extended(outcome.cluster.expirySetAt as string), { kind: 'expiryExtended', user: input.user, expiresAt });
        threads.refreshRoot(input.clusterId);
      }
      return outcome;
    },

    async keep(input) {
      const outcome = await changeExpiry(input, 'cluster.expiry.keep', (record) => {
        delete record.expiresAt;
        delete record.expirySetAt;
        delete record.expirySetBy;
        return undefined;
      });
      if (outcome.ok) {
        await threads.reply(input.clusterId, ExpirySteps.kept(clock.now().toISOString()), { kind: 'expiryKept', user: input.user });
        threads.refreshRoot(input.clusterId);
      }
      return outcome;
    },

    async expire(clusterId) {
      const record = await clusters.get(clusterId);
      if (!record?.expiresAt || record.status !== 'Running' || isDeletionProtected(record)) return;
      if (clock.now().getTime() < Date.parse(record.expiresAt)) return;
      try {
        await deps.deletion.requestDeletion(clusterId, record.expirySetBy ?? record.requestedBy, { expired: true });
      } catch (error) {
        // Refused (already deleting, or Tencent said no): the cluster keeps its state; the next tick tries again.
        deps.logger.warn({ clusterId, err: (error as Error).message }, 'expiry: the expired cluster could not be deleted');
      }
    },
  };
}

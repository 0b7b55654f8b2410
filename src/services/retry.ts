/**
 * "Retry the failed step": a Failed cluster whose failure the provisioning table marks retryable
 * (a worker pool or add-on creation Tencent refused; see `retryable` in src/lifecycle/provision.ts)
 * goes back to Provisioning by the lifecycle's transition(), and the watcher runs that step again
 * on its next tick. The move is one repository update that first checks the cluster is still
 * Failed, so a double click or a Slack retry starts one retry (one Tencent call).
 *
 * Who may: whoever may create clusters in the cluster's project (the step creates what Deploy
 * would have created).
 */
import type { Lifecycle } from '../lifecycle/operation.js';
import { RunnerKeys, retryableStep } from '../lifecycle/operation.js';
import { transition } from '../lifecycle/states.js';
import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import type { ClusterRecord, ClusterStatus, TencentFailure } from './domain/index.js';
import type { Policy, PolicyRefusal } from './policy-types.js';
import type { ClusterRepository } from './repositories/repositories.js';
import type { ProvisioningThreads } from './threads.js';

export type RetryRefusal =
  | { kind: 'policy'; refusal: PolicyRefusal }
  | { kind: 'gone' }
  /** Not Failed (any more): retried already, or deleted meanwhile. */
  | { kind: 'notFailed'; name: string; status: ClusterStatus }
  | { kind: 'notRetryable'; name: string };

export type RetryResult = { ok: true; step: string; cluster: ClusterRecord } | { ok: false; refusal: RetryRefusal };

export interface RetryService {
  /** The label of the step a retry would run again, or undefined when the cluster's failure is not retryable. */
  retryableStep(cluster: ClusterRecord): string | undefined;
  /** Moves the Failed cluster back to Provisioning for its failed step to run again, once; tells the thread. */
  retry(input: { clusterId: string; user: string; channel: string }): Promise<RetryResult>;
}

export interface RetryDeps {
  clusters: Pick<ClusterRepository, 'get' | 'update'>;
  policy: Pick<Policy, 'check'>;
  lifecycle: Lifecycle;
  threads: Pick<ProvisioningThreads, 'reply' | 'refreshRoot'>;
  audit: Audit;
  clock: Clock;
}

export function createRetryService(deps: RetryDeps): RetryService {
  return {
    retryableStep: (cluster) => retryableStep(deps.lifecycle, cluster)?.label,

    async retry({ clusterId, user, channel }) {
      const found = await deps.clusters.get(clusterId);
      if (!found) return { ok: false, refusal: { kind: 'gone' } };
      const decision = await deps.policy.check('cluster.create', { user, channel, project: found.project });
      if (!decision.allowed) return { ok: false, refusal: { kind: 'policy', refusal: decision.refusal } };

      const at = deps.clock.now().toISOString();
      let refusal: RetryRefusal | undefined;
      let retried: { step: string; failure: TencentFailure } | undefined;
      const cluster = await deps.clusters.update(clusterId, (record) => {
        if (record.status !== 'Failed' || !record.failure) {
          refusal = { kind: 'notFailed', name: record.spec.name, status: record.status };
          return;
        }
        const step = retryableStep(deps.lifecycle, record);
        if (!step) {
          refusal = { kind: 'notRetryable', name: record.spec.name };
          return;
        }
        retried = { step: step.label, failure: record.failure };
        transition(record, 'Provisioning', at);
        record.failure = undefined;
        record.failedAt = undefined;
        record.transientErrors = 0;
        // A second failure gets its own reply.
        record.posted = record.posted.filter((key) => key !== RunnerKeys.failed);
      });
      if (!cluster) return { ok: false, refusal: { kind: 'gone' } };
      if (refusal || !retried) return { ok: false, refusal: refusal ?? { kind: 'notRetryable', name: cluster.spec.name } };
      await deps.audit.record(user, 'cluster.retryStep', clusterId, { step: retried.step, code: retried.failure.code });
      await deps.threads.reply(clusterId, `retry:${at}`, { kind: 'stepRetried', user, step: retried.step, failure: retried.failure });
      deps.threads.refreshRoot(clusterId);
      return { ok: true, step: retried.step, cluster };
    },
  };
}

import { ENDPOINTS } from './domain/rules.js';
import type { ClusterRecord } from './domain/index.js';
import type { AccountService } from './accounts.js';
import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Policy, PolicyRefusal } from './policy-types.js';
import type { ClusterRepository } from './repositories/repositories.js';
import type { ClusterEndpoints, EndpointAccess, TkeGateway, TkeTarget } from './tke.js';
import { TencentError } from './tke.js';
import { isDeletionProtected } from './domain/expiry.js';

/**
 * Day-two access to a running cluster: its API server addresses, its kubeconfig (to the asking
 * user only: never stored, logged or put in an error), and deletion protection.
 */

/** Why tkeops cannot give a kubeconfig or change protection now, as data (views/cluster-access.ts tells it). */
export type AccessRefusal =
  | { reason: 'not_found' }
  /** The cluster has no Created endpoint of that kind (or is not Running). */
  | { reason: 'not_reachable'; name: string; status: ClusterRecord['status']; access?: EndpointAccess }
  | { reason: 'no_account'; name: string }
  | { reason: 'tencent'; name: string; code: string; requestId?: string | undefined };

export class AccessError extends Error {
  constructor(readonly refusal: AccessRefusal) {
    super(`cluster access refused: ${refusal.reason}`);
    this.name = 'AccessError';
  }
}

export interface ClusterAccessService {
  /** The endpoints of a cluster that has them Created, in the order of its endpoint access (private first). */
  readyEndpoints(cluster: ClusterRecord): EndpointAccess[];
  /** The API server's addresses (DescribeClusterEndpoints); undefined when Tencent cannot be asked now. */
  addresses(cluster: ClusterRecord): Promise<ClusterEndpoints | undefined>;
  /** DescribeClusterKubeconfig for that endpoint, audited (who, when, which endpoint; never the file). Throws AccessError. */
  kubeconfig(clusterId: string, user: string, access: EndpointAccess): Promise<{ cluster: ClusterRecord; kubeconfig: string }>;
  /** Enable/DisableClusterDeletionProtection, recorded on the cluster and audited. Throws AccessError. */
  setProtection(clusterId: string, user: string, on: boolean): Promise<ClusterRecord>;
  /** The refusal for deleting (or force deleting) a protected cluster: who may turn protection off. */
  protectedRefusal(cluster: ClusterRecord, action: 'cluster.delete' | 'cluster.forceDelete'): PolicyRefusal | undefined;
}

export interface ClusterAccessDeps {
  clusters: ClusterRepository;
  tke: Pick<TkeGateway, 'describeClusterEndpoints' | 'describeClusterKubeconfig' | 'setClusterDeletionProtection'>;
  accounts: Pick<AccountService, 'credentialFor'>;
  policy: Pick<Policy, 'whoMay'>;
  audit: Audit;
  clock: Clock;
  logger: Logger;
}

export const isProtected = isDeletionProtected;

const READY_AT = { private: 'privateEndpointReadyAt', public: 'publicEndpointReadyAt' } as const;

export function createClusterAccess(deps: ClusterAccessDeps): ClusterAccessService {
  const { clusters, tke, audit, clock, logger } = deps;

  function targetOf(record: ClusterRecord): TkeTarget {
    try {
      return { credential: deps.accounts.credentialFor(record.spec.accountId), region: record.spec.region };
    } catch {
      throw new AccessError({ reason: 'no_account', name: record.spec.name });
    }
  }

  /** A Tencent error with its code and request id only: its message is Tencent's, never the file. */
  function fromTencent(record: ClusterRecord, error: unknown): AccessError {
    if (error instanceof AccessError) return error;
    if (error instanceof TencentError) return new AccessError({ reason: 'tencent', name: record.spec.name, code: error.code, requestId: error.requestId });
    throw error;
  }

  async function existing(clusterId: string): Promise<ClusterRecord> {
    const record = await clusters.get(clusterId);
    if (!record) throw new AccessError({ reason: 'not_found' });
    return record;
  }

  const readyEndpoints = (record: ClusterRecord): EndpointAccess[] =>
    record.status === 'Running' && record.tkeClusterId ? ENDPOINTS[record.spec.endpointAccess].filter((access) => record.progress[READY_AT[access]]) : [];

  return {
    readyEndpoints,

    async addresses(record) {
      if (readyEndpoints(record).length === 0 || !record.tkeClusterId) return undefined;
      try {
        return await tke.describeClusterEndpoints(targetOf(record), record.tkeClusterId);
      } catch (error) {
        logger.warn({ clusterId: record.id, code: error instanceof TencentError ? error.code : undefined }, 'could not read the API server addresses');
        return undefined;
      }
    },

    async kubeconfig(clusterId, user, access) {
      const record = await existing(clusterId);
      if (!readyEndpoints(record).includes(access) || !record.tkeClusterId) {
        throw new AccessError({ reason: 'not_reachable', name: record.spec.name, status: record.status, access });
      }
      let kubeconfig: string;
      try {
        kubeconfig = await tke.describeClusterKubeconfig(targetOf(record), record.tkeClusterId, access);
      } catch (error) {
        throw fromTencent(record, error);
      }
      await audit.record(user, 'cluster.kubeconfig', record.id, { endpoint: access });
      return { cluster: record, kubeconfig };
    },

    async setProtection(clusterId, user, on) {
      const record = await existing(clusterId);
      if (!record.tkeClusterId || (record.status !== 'Running' && record.status !== 'Failed' && record.status !== 'Provisioning')) {
        throw new AccessError({ reason: 'not_reachable', name: record.spec.name, status: record.status });
      }
      try {
        await tke.setClusterDeletionProtection(targetOf(record), record.tkeClusterId, on);
      } catch (error) {
        throw fromTencent(record, error);
      }
      const at = clock.now().toISOString();
      const updated = await clusters.update(record.id, (r) => {
        r.deletionProtection = { on, by: user, at };
      });
      await audit.record(user, on ? 'cluster.protect' : 'cluster.unprotect', record.id);
      return updated ?? record;
    },

    protectedRefusal(cluster, action) {
      if (!isProtected(cluster)) return undefined;
      return { kind: 'deletionProtected', action, name: cluster.spec.name, who: deps.policy.whoMay('cluster.protect', cluster.project) };
    },
  };
}

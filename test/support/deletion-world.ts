import { createAudit } from '../../src/services/audit.js';
import { createDeletionService, type DeletionService } from '../../src/services/deletion.js';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import type { AuditEntry, ClusterRecord } from '../../src/services/store-schema.js';
import { seedClusters, specIn } from './seed-clusters.js';
import { provisionFully, watcherWorld, type WatcherWorld } from './watcher-world.js';

export const DELETION_ACCOUNT = { secretId: 'AKIDdeletionaccount1', secretKey: 'deletion-secret-key-01' };
export const ON_CALL = { userGroups: ['S0ONCALL'], users: [] };
export const ON_CALL_MENTION = '<!subteam^S0ONCALL>';
export const MINUTE = 60_000;

/**
 * Services-level deletion tests: the watcher world (emulator, real gateway and store file,
 * provisioning thread over a recording chat client) with the deletion check and the deletion
 * service — everything the deletion service and its watcher check use, without Slack.
 */
export interface DeletionWorld extends WatcherWorld {
  deletion: DeletionService;
  /** A cluster created in the emulator and brought to Running by the watcher (nodes, disks and a CLB exist). */
  runningCluster(name?: string): Promise<ClusterRecord>;
  cluster(id: string): ClusterRecord;
  audit(): AuditEntry[];
}

export async function deletionWorld(options: { forceDeleteAfterMs?: number } = {}): Promise<DeletionWorld> {
  const forceDeleteAfterMs = options.forceDeleteAfterMs ?? 15 * MINUTE;
  const base = await watcherWorld({
    credentials: [DELETION_ACCOUNT],
    credentialFor: () => DELETION_ACCOUNT,
    forceDeleteAfterMs,
    onCall: ON_CALL,
  });
  const { clock, store, tke, accounts, threads, logger } = base;
  const repositories = createLowdbRepositories(store);
  const audit = createAudit({ log: repositories.audit, clock });
  const deletion = createDeletionService({ clusters: repositories.clusters, tke, accounts, threads, clock, audit, logger, forceDeleteAfterMs });
  let seeded = 0;

  const world: DeletionWorld = {
    ...base,
    deletion,
    async runningCluster(name = 'prod-1') {
      const [record] = await seedClusters(
        { store, tke: base.tke },
        { credential: DELETION_ACCOUNT, specs: [specIn('ap-guangzhou', name, 'acct-1')], withThread: true, createdAt: clock.now() },
      );
      seeded += 1;
      const id = (record as ClusterRecord).id;
      await provisionFully(base);
      const running = world.cluster(id);
      if (running.status !== 'Running') throw new Error(`cluster ${name} is ${running.status} after provisioning (#${seeded})`);
      return running;
    },
    cluster(id) {
      const found = store.read((data) => data.clusters.find((c) => c.id === id));
      if (!found) throw new Error(`no cluster ${id}`);
      return found;
    },
    audit: () => store.read((data) => data.audit),
  };
  return world;
}

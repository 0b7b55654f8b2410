/**
 * A ClusterRepository that tells a listener about every cluster it wrote (insert, update,
 * updateMany), after the write. The App Home tabs follow clusters this way, whichever service
 * changed them (Deploy, approval, expiry, the watcher). Step claims are not told: they only record
 * which thread replies were posted.
 */
import type { Cluster } from '../domain/index.js';
import type { ClusterRepository } from './repositories.js';

export type ClusterWriteListener = (written: readonly Cluster[]) => void;

export function observeClusterWrites(inner: ClusterRepository, listener: ClusterWriteListener): ClusterRepository {
  const tell = (written: readonly Cluster[]) => {
    // A listener's failure is its own: the write happened.
    if (written.length > 0) {
      try {
        listener(written);
      } catch {
        // nothing: the listener logs its own errors
      }
    }
  };
  return {
    get: (id) => inner.get(id),
    findByDraft: (draftId) => inner.findByDraft(draftId),
    findByName: (project, name) => inner.findByName(project, name),
    list: (filter) => inner.list(filter),
    countByStatus: () => inner.countByStatus(),
    claim: (id, stepKey) => inner.claim(id, stepKey),
    async insert(cluster) {
      const inserted = await inner.insert(cluster);
      if (inserted.ok) tell([cluster]);
      return inserted;
    },
    async update(id, change) {
      let changed = false;
      const updated = await inner.update(id, (record) => {
        const result = change(record);
        changed = result !== false;
        return result;
      });
      if (updated && changed) tell([updated]);
      return updated;
    },
    async updateMany(changes) {
      const results = await inner.updateMany(changes);
      tell(results.map((r) => r.cluster));
      return results;
    },
  };
}

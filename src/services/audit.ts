import type { Clock } from './clock.js';
import type { AuditEntry } from './store-schema.js';
import type { Store } from './store.js';

export interface Audit {
  /** Appends one entry to the audit trail. `detail` must never hold a secret. */
  record(actor: string, action: string, target: string, detail?: AuditEntry['detail']): Promise<void>;
}

export function createAudit(deps: { store: Store; clock: Clock }): Audit {
  return {
    async record(actor, action, target, detail = {}) {
      const at = deps.clock.now().toISOString();
      await deps.store.update((data) => {
        data.audit.push({ at, actor, action, target, detail });
      });
    },
  };
}

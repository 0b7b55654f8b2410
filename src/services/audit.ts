import type { Clock } from './clock.js';
import type { AuditEntry } from './domain/index.js';
import type { AuditLog } from './repositories/repositories.js';

export interface Audit {
  /** Appends one entry to the audit trail. `detail` must never hold a secret. */
  record(actor: string, action: string, target: string, detail?: AuditEntry['detail']): Promise<void>;
}

export function createAudit(deps: { log: AuditLog; clock: Clock }): Audit {
  return {
    async record(actor, action, target, detail = {}) {
      await deps.log.append({ at: deps.clock.now().toISOString(), actor, action, target, detail });
    },
  };
}

/** One line of the audit trail: who did what to which target. `detail` never holds a secret. */
export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, string | number | boolean>;
}

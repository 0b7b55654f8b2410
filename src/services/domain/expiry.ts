/**
 * Cluster expiry: "Delete automatically after" in the wizard, the reminders before and the deletion at
 * the stored time. Pure figures and helpers (views draw with them); the service is src/services/expiry.ts,
 * the watcher's steps src/lifecycle/expiry.ts.
 */

import type { Cluster } from './cluster.js';

const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;

/** What the wizard offers, in order; `never` keeps the cluster until someone deletes it. */
export const EXPIRY_CHOICES = ['never', '8h', '1d', '3d', '7d'] as const;
export type ExpiryChoice = (typeof EXPIRY_CHOICES)[number];

/** How long each choice lasts (never: none). */
export const EXPIRY_DURATION_MS: Record<ExpiryChoice, number | undefined> = {
  never: undefined,
  '8h': 8 * HOUR_MS,
  '1d': DAY_MS,
  '3d': 3 * DAY_MS,
  '7d': 7 * DAY_MS,
};

export const EXPIRY_LABELS: Record<ExpiryChoice, string> = {
  never: 'Never',
  '8h': '8 hours',
  '1d': '1 day',
  '3d': '3 days',
  '7d': '7 days',
};

/** A project's expiry rule (policy `expiry: { max, default }`); both optional. */
export interface ExpiryRule {
  /** The longest a cluster may live before it expires, in ms: `never` is not offered. */
  maxMs?: number | undefined;
  default?: ExpiryChoice | undefined;
}

/** The choices a project allows: every choice within its maximum (never only without one). */
export function expiryChoicesFor(rule: ExpiryRule): ExpiryChoice[] {
  return EXPIRY_CHOICES.filter((choice) => {
    const ms = EXPIRY_DURATION_MS[choice];
    if (rule.maxMs === undefined) return true;
    return ms !== undefined && ms <= rule.maxMs;
  });
}

/** The choice the wizard starts with: the project's default when allowed, else never, else the shortest. */
export function defaultExpiryChoice(rule: ExpiryRule): ExpiryChoice {
  const allowed = expiryChoicesFor(rule);
  if (rule.default && allowed.includes(rule.default)) return rule.default;
  return allowed.includes('never') ? 'never' : (allowed.at(-1) ?? 'never');
}

/** Reminders before expiry, longest lead first; each is posted once per expiry time (see src/lifecycle/expiry.ts). */
export const EXPIRY_REMINDERS = [
  { key: '24h', leadMs: DAY_MS },
  { key: '1h', leadMs: HOUR_MS },
] as const;

/** Deletion protection as tkeops last set it at Tencent: a protected cluster is refused deletion, and never deleted on expiry. */
export function isDeletionProtected(record: Pick<Cluster, 'deletionProtection'>): boolean {
  return record.deletionProtection?.on === true;
}

/** The record fields Deploy stores for a spec's expiry choice, from `now` (none for never). */
export function expiryOf(choice: ExpiryChoice | undefined, user: string, now: Date): Pick<Cluster, 'expiresAt' | 'expirySetBy' | 'expirySetAt'> {
  const ms = choice && EXPIRY_DURATION_MS[choice];
  if (ms === undefined) return {};
  return { expiresAt: new Date(now.getTime() + ms).toISOString(), expirySetBy: user, expirySetAt: now.toISOString() };
}


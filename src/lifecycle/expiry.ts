import { EXPIRY_REMINDERS, isDeletionProtected } from '../services/domain/expiry.js';
import type { ClusterRecord } from '../services/domain/index.js';
import type { ThreadReply } from './events.js';
import type { Operation, StepContext } from './operation.js';

/**
 * Expiry: a Running cluster with an `expiresAt` gets a reminder in its thread 24 h and 1 h before
 * (each once per expiry time: the step key holds it, so an Extend moves the reminders), and at that
 * time is deleted like a confirmed deletion (ExpiryService.expire → DeletionService.requestDeletion,
 * which makes it exactly once), or, when protected from deletion, left alone with one reply that
 * mentions the project's admins. Everything is read from stored times: a restart keeps the schedule.
 *
 * A reminder is due from `expiresAt - lead` until expiry, only when the expiry was set before that
 * (an 8-hour cluster gets the 1-hour reminder alone); when two are due (the bot was down), only the
 * nearest is posted.
 */
export const EXPIRY_STEP_PREFIX = 'expiry:';
export const ExpirySteps = {
  reminder: (lead: string, expiresAt: string) => `${EXPIRY_STEP_PREFIX}remind:${lead}:${expiresAt}`,
  expired: (expiresAt: string) => `${EXPIRY_STEP_PREFIX}expired:${expiresAt}`,
  protectedAt: (expiresAt: string) => `${EXPIRY_STEP_PREFIX}protected:${expiresAt}`,
  extended: (at: string) => `${EXPIRY_STEP_PREFIX}extended:${at}`,
  kept: (at: string) => `${EXPIRY_STEP_PREFIX}kept:${at}`,
} as const;

const setByOf = (record: ClusterRecord) => record.expirySetBy ?? record.requestedBy;

/** The reminder due now for this record, if any (its key may already be posted). */
export function dueReminder(record: ClusterRecord, now: Date): ThreadReply | undefined {
  const { expiresAt } = record;
  if (!expiresAt) return undefined;
  const expiry = Date.parse(expiresAt);
  const setAt = Date.parse(record.expirySetAt ?? record.createdAt);
  if (now.getTime() >= expiry) return undefined;
  const due = EXPIRY_REMINDERS.filter(({ leadMs }) => now.getTime() >= expiry - leadMs && expiry - leadMs >= setAt).at(-1);
  if (!due) return undefined;
  return {
    key: ExpirySteps.reminder(due.key, expiresAt),
    event: { kind: 'expiryReminder', clusterId: record.id, name: record.spec.name, requester: record.requestedBy, expiresAt, setBy: setByOf(record) },
  };
}

const nothing = () => Promise.resolve(undefined);

export const expiryOperation: Operation = {
  name: 'expiry',
  watches: ['Running'],
  watchedWhen: (record) => record.expiresAt !== undefined,
  failsOnError: false,
  steps: [
    {
      key: `${EXPIRY_STEP_PREFIX}reminder`,
      records: 'the reminder keys in `posted` (claimed when queued; they hold the expiry time)',
      doneAt: () => undefined,
      record: () => undefined,
      advance: ({ record, now }: StepContext) => {
        const reply = dueReminder(record, now);
        return reply && !record.posted.includes(reply.key) ? Promise.resolve({ replies: [reply] }) : nothing();
      },
    },
    {
      key: `${EXPIRY_STEP_PREFIX}expire`,
      records: 'status Deleting and deletion.requestedBy "tkeops" (ExpiryService.expire), or the protected key in `posted`',
      doneAt: () => undefined,
      record: () => undefined,
      advance: async ({ record, now, deps }: StepContext) => {
        const { expiresAt } = record;
        if (!expiresAt || now.getTime() < Date.parse(expiresAt) || !deps.expiry) return undefined;
        if (isDeletionProtected(record)) {
          const key = ExpirySteps.protectedAt(expiresAt);
          if (record.posted.includes(key)) return undefined;
          const event = { kind: 'expiryProtected' as const, name: record.spec.name, expiresAt, setBy: setByOf(record), admins: deps.expiry.adminsOf(record.project) };
          return { replies: [{ key, event }] };
        }
        await deps.expiry.expire(record.id);
        return undefined;
      },
    },
  ],
};

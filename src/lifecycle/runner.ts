import type { AuditEntry, ClusterRecord, TencentFailure } from '../services/domain/index.js';
import type { ThreadReply } from './events.js';
import { doneAtOf, instancesOf, recordDone, replyOf, type Change, type Operation, type Step, type StepContext } from './operation.js';
import { retriedNextTick } from './tencent-calls.js';

/** What an operation did for one cluster in a tick. Nothing (`{}`) means nothing changed: no store write, no Slack call. */
export interface StepsOutcome {
  /** Applied to the current record in the tick's one store write. */
  change?: Change;
  /** Thread replies, in step order; each step key is posted once. */
  replies?: ThreadReply[];
  /** Ends the operation: status Failed, the failure on the root message and in the thread. */
  fail?: TencentFailure;
  /** Audit entries written with `change`, in the same store write. */
  audit?: AuditEntry[];
  /** A step stopped on this error; what was done before still counts. */
  error?: unknown;
}

/**
 * One tick of an operation for one cluster: every pending step whose prerequisites are done runs
 * (`advance`), in table order; what finishes is recorded, and the replies of the steps the record
 * now shows done and the thread has not had yet are due, in table order. A step error stops the
 * pass (what was seen before still counts), except a retried one of a step that lets others go on.
 */
export async function advanceOperation(operation: Operation, context: StepContext): Promise<StepsOutcome> {
  const { record, now } = context;
  const guard = operation.guard?.(context);
  if (guard === 'skip') return {};
  if (guard) return { fail: guard };

  const at = now.toISOString();
  const changes: Change[] = [];
  const extraReplies: ThreadReply[] = [];
  const audit: AuditEntry[] = [];
  /** Steps (by key) done now; steps that failed with an error retried next tick. */
  const doneNow = new Map<string, Set<string>>();
  const blocked = new Set<string>();
  let deferred: unknown;

  const instances = instancesOf(operation, record);
  const planned = operation.steps.filter((step) => instances.some((i) => i.step === step));
  const pendingOf = (step: Step, recordedOnly: boolean) =>
    instances.filter(
      (i) => i.step === step && doneAtOf(step, record, i.item) === undefined && (recordedOnly || !doneNow.get(step.key)?.has(i.item)),
    );
  const isDone = (step: Step, recordedOnly: boolean) => pendingOf(step, recordedOnly).length === 0;

  const finish = (fail?: TencentFailure, error?: unknown): StepsOutcome => {
    const replies = [...dueReplies(operation, record, changes), ...extraReplies];
    return {
      ...(changes.length > 0 ? { change: (r: ClusterRecord) => changes.forEach((c) => c(r)) } : {}),
      ...(replies.length > 0 ? { replies } : {}),
      ...(audit.length > 0 ? { audit } : {}),
      ...(fail ? { fail } : {}),
      ...(error !== undefined ? { error } : {}),
    };
  };

  for (const [index, step] of planned.entries()) {
    if (!step.advance) continue;
    const pending = pendingOf(step, false);
    if (pending.length === 0) continue;
    const before = step.after === 'all' ? planned.slice(0, index) : planned.filter((s) => step.after?.includes(s.key));
    if (before.some((s) => blocked.has(s.key) || !isDone(s, step.afterRecorded === true))) continue;
    let tick;
    try {
      tick = await step.advance(context, pending.map((i) => i.item));
    } catch (error) {
      if (step.othersGoOnWhileRetried && retriedNextTick(error, record, now)) {
        deferred = error;
        blocked.add(step.key);
        continue;
      }
      return finish(undefined, error);
    }
    if (tick?.change) changes.push(tick.change);
    if (tick?.replies) extraReplies.push(...tick.replies);
    if (tick?.audit) audit.push(...tick.audit);
    if (tick?.fail) return finish(tick.fail);
    for (const item of tick?.done ?? []) {
      changes.push((r) => recordDone(step, r, at, item));
      doneNow.set(step.key, (doneNow.get(step.key) ?? new Set()).add(item));
    }
  }
  return finish(undefined, deferred);
}

/** The replies of the watcher's steps the record shows done (after this tick's changes) that the thread has not had. */
function dueReplies(operation: Operation, seen: ClusterRecord, changes: readonly Change[]): ThreadReply[] {
  let record = seen;
  if (changes.length > 0) {
    record = structuredClone(seen);
    for (const change of changes) change(record);
  }
  const replies: ThreadReply[] = [];
  for (const { step, item, key } of instancesOf(operation, record)) {
    if (!step.advance || record.posted.includes(key) || doneAtOf(step, record, item) === undefined) continue;
    const event = replyOf(step, record, item);
    if (event) replies.push({ key, event });
  }
  return replies;
}

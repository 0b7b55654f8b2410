import type { AuditEntry, ClusterRecord, TencentFailure } from '../services/domain/index.js';
import type { ThreadReply } from './events.js';
import { doneAtOf, instanceKey, isPlanned, recordDone, replyOf, type Change, type Operation, type Step, type StepContext } from './operation.js';
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

/** A planned step of one cluster: its items, and those the record does not show done (at the start of the tick). */
interface PlannedStep {
  step: Step;
  items: readonly string[];
  pending: readonly string[];
}

/**
 * Plans by operation and record, for frozen records only: a frozen record cannot change, so its
 * plan cannot either (the lowdb store hands out its records frozen and the same object until the
 * record changes: a quiet tick plans nothing again). A pure function's memo, weakly held.
 */
const plans = new WeakMap<Operation, WeakMap<ClusterRecord, PlannedStep[]>>();

function planOf(operation: Operation, record: ClusterRecord): PlannedStep[] {
  if (!Object.isFrozen(record)) return plan(operation, record);
  let byRecord = plans.get(operation);
  if (!byRecord) plans.set(operation, (byRecord = new WeakMap()));
  let planned = byRecord.get(record);
  if (!planned) byRecord.set(record, (planned = plan(operation, record)));
  return planned;
}

function plan(operation: Operation, record: ClusterRecord): PlannedStep[] {
  const planned: PlannedStep[] = [];
  for (const step of operation.steps) {
    if (!isPlanned(step, record)) continue;
    const items = step.items ? step.items(record) : NO_ITEMS;
    const pending = items.filter((item) => doneAtOf(step, record, item) === undefined);
    // Plans are kept per record (see plans): the usual pending lists are shared, not kept once per record.
    planned.push({ step, items, pending: pending.length === 0 ? NONE_PENDING : pending.length === items.length ? items : pending });
  }
  return planned;
}
const NO_ITEMS: readonly string[] = [''];
const NONE_PENDING: readonly string[] = [];

/** Done: recorded before this tick, or (unless `recordedOnly`) also done in this tick so far. */
function isDone(planned: PlannedStep, doneNow: ReadonlyMap<string, ReadonlySet<string>>, recordedOnly: boolean): boolean {
  if (planned.pending.length === 0) return true;
  if (recordedOnly) return false;
  const done = doneNow.get(planned.step.key);
  return done !== undefined && planned.pending.every((item) => done.has(item));
}

/** What the pass collected, as the outcome. */
function outcomeOf(operation: Operation, record: ClusterRecord, planned: readonly PlannedStep[], pass: Pass, fail?: TencentFailure, error?: unknown): StepsOutcome {
  const { changes, extraReplies, audit } = pass;
  const replies = [...(changes.length > 0 ? dueReplies(operation, record, changes) : repliesRecorded(record, planned)), ...extraReplies];
  return {
    ...(changes.length > 0 ? { change: (r: ClusterRecord) => changes.forEach((c) => c(r)) } : {}),
    ...(replies.length > 0 ? { replies } : {}),
    ...(audit.length > 0 ? { audit } : {}),
    ...(fail ? { fail } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

interface Pass {
  changes: Change[];
  extraReplies: ThreadReply[];
  audit: AuditEntry[];
}

/**
 * One tick of an operation for one cluster: every pending step whose prerequisites are done runs
 * (`advance`), in table order; what finishes is recorded, and the replies of the steps the record
 * now shows done and the thread has not had yet are due, in table order. A step error stops the
 * pass (what was seen before still counts), except a retried one of a step that lets others go on.
 * (It runs for every watched cluster every tick, so the plan is computed once per call.)
 */
export async function advanceOperation(operation: Operation, context: StepContext): Promise<StepsOutcome> {
  const { record, now } = context;
  const guard = operation.guard?.(context);
  if (guard === 'skip') return {};
  if (guard) return { fail: guard };

  const at = now.toISOString();
  const pass: Pass = { changes: [], extraReplies: [], audit: [] };
  /** Items (by step key) done now. */
  const doneNow = new Map<string, Set<string>>();
  /** Steps whose error is retried next tick. */
  const blocked = new Set<string>();
  let deferred: unknown;

  const planned = planOf(operation, record);
  for (const [index, { step, pending: recordedPending }] of planned.entries()) {
    if (!step.advance || recordedPending.length === 0) continue;
    const doneNowOfStep = doneNow.get(step.key);
    const pending = doneNowOfStep ? recordedPending.filter((item) => !doneNowOfStep.has(item)) : recordedPending;
    if (pending.length === 0) continue;
    const after = step.after;
    const before = after === 'all' ? planned.slice(0, index) : after ? planned.filter((p) => after.includes(p.step.key)) : [];
    const recordedOnly = step.afterRecorded === true;
    if (before.some((p) => blocked.has(p.step.key) || !isDone(p, doneNow, recordedOnly))) continue;
    let tick;
    try {
      tick = await step.advance(context, pending);
    } catch (error) {
      if (step.othersGoOnWhileRetried && retriedNextTick(error, record, now)) {
        deferred = error;
        blocked.add(step.key);
        continue;
      }
      return outcomeOf(operation, record, planned, pass, undefined, error);
    }
    if (tick?.change) pass.changes.push(tick.change);
    if (tick?.replies) pass.extraReplies.push(...tick.replies);
    if (tick?.audit) pass.audit.push(...tick.audit);
    if (tick?.fail) return outcomeOf(operation, record, planned, pass, tick.fail);
    for (const item of tick?.done ?? []) {
      pass.changes.push((r) => recordDone(step, r, at, item));
      doneNow.set(step.key, (doneNow.get(step.key) ?? new Set()).add(item));
    }
  }
  return outcomeOf(operation, record, planned, pass, undefined, deferred);
}

/** The replies of the watcher's steps the record shows done that the thread has not had (nothing changed this tick). */
function repliesRecorded(record: ClusterRecord, planned: readonly PlannedStep[]): ThreadReply[] {
  const replies: ThreadReply[] = [];
  for (const { step, items, pending } of planned) {
    if (!step.advance || pending.length === items.length) continue;
    for (const item of items) {
      const key = instanceKey(step, item);
      if (record.posted.includes(key) || pending.includes(item)) continue;
      const event = replyOf(step, record, item);
      if (event) replies.push({ key, event });
    }
  }
  return replies;
}

/** The replies of the watcher's steps the record shows done (after this tick's changes) that the thread has not had. */
function dueReplies(operation: Operation, seen: ClusterRecord, changes: readonly Change[]): ThreadReply[] {
  const record = structuredClone(seen);
  for (const change of changes) change(record);
  return repliesRecorded(record, planOf(operation, record));
}

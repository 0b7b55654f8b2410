import type { ThreadEvent, ThreadReply } from '../lifecycle/events.js';
import type { ClusterRecord } from './domain/index.js';

/**
 * The provisioning thread as the services see it: one root message per cluster, edited in place,
 * and one reply per step, each told as a ThreadEvent. `src/slack/threads.ts` implements it (and
 * explains the at-most-once rules); `src/views/` writes the text.
 */
export interface ThreadRef {
  channel: string;
  ts: string;
}

export interface ProvisioningThreads {
  /**
   * Posts the root message in the cluster's channel and stores its ts, then the replies already
   * due (every step the record shows as done, or its failure). Does nothing twice; resolves true
   * once the thread exists or is lost (the root was sent but Slack did not answer: never posted
   * again), false if Slack refused the root message (e.g. `not_in_channel`: the bot must be
   * invited) or could not be reached, so it may be tried again.
   */
  announce(clusterId: string): Promise<boolean>;
  /** Posts one reply in the cluster's thread unless that step was already posted. Resolves false if it was (or there is no thread yet). */
  reply(clusterId: string, stepKey: string, event: ThreadEvent): Promise<boolean>;
  /** Queues replies whose keys the caller already claimed (with claimStep) in its own store write. */
  deliver(thread: ThreadRef, replies: readonly ThreadReply[]): void;
  /** Edits the root message to the record's current state (edits waiting in the queue collapse into one). */
  refreshRoot(clusterId: string): void;
  /** Resolves once every announce under way has finished and every queued message has been sent. */
  idle(): Promise<void>;
}

/** Marks a step as posted in the record; false when it already was. Call inside store.update. */
export function claimStep(record: ClusterRecord, key: string): boolean {
  if (record.posted.includes(key)) return false;
  record.posted.push(key);
  return true;
}

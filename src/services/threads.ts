import type { ThreadEvent, ThreadReply } from '../lifecycle/events.js';
import type { ThreadRef } from './domain/index.js';

/**
 * The provisioning thread as the services see it: one root message per cluster, edited in place,
 * and one reply per step, each told as a ThreadEvent. `src/slack/threads.ts` implements it (and
 * explains the at-most-once rules); `src/views/` writes the text.
 */
export type { ThreadRef } from './domain/index.js';

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
  /** Queues the cluster's replies whose keys the caller already claimed (ClusterWrite.claim) in its own write. */
  deliver(thread: ThreadRef, replies: readonly ThreadReply[], clusterId: string): void;
  /** Edits the root message to the record's current state (edits waiting in the queue collapse into one). */
  refreshRoot(clusterId: string): void;
  /**
   * Sends what a crash left recorded and not known sent, unless Slack shows it already (at start,
   * and on each watcher tick; reads only when nothing is pending).
   */
  resume(): Promise<void>;
  /** Resolves once every announce under way has finished and every queued message has been sent. */
  idle(): Promise<void>;
}

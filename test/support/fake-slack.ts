import { startLocalSlack, type InjectedFailure, type LimitViolation, type SlackCall } from '../../src/sandbox/slack/index.js';
import type { SlackMessage } from '../../src/sandbox/slack/state.js';

export type { LimitViolation, SlackCall };

export interface FakeSlack {
  /** Base URL for the Web API client (`slackApiUrl`), ending in /api/. */
  apiUrl: string;
  /** Base URL of this server, for response_url values. */
  url: string;
  calls(method?: string): SlackCall[];
  /** Calls refused because what the bot sent breaks Slack's Block Kit limits (src/sandbox/slack/limits.ts). */
  violations(): LimitViolation[];
  /**
   * Next calls of `method` fail: a Slack error (`ok: false`) or an HTTP status such as 429 with
   * Retry-After. `response_url` makes the next response URL posts fail (404 expired_url by default).
   */
  fail(method: string, failure: InjectedFailure): void;
  /** Every later call of `method` is answered `ms` later (0: at once again). */
  latency(method: string, ms: number): void;
  /** Later calls of `method` are acted on at once but answered only at release() (a kill before the answer). */
  holdAnswers(method: string, when?: (body: Record<string, unknown>) => boolean): { release(): void };
  /** A channel's messages as Slack keeps them (thread replies included), oldest first, with their metadata. */
  messages(channel: string): SlackMessage[];
  /** Members of a user group, answered by usergroups.users.list. */
  setUserGroup(groupId: string, users: string[]): void;
  /**
   * A channel of the workspace as Slack knows it; e.g. `{ private: true, botIsMember: false }`: a
   * private channel tkeops was not invited to, where Slack answers its posts with channel_not_found.
   * Channels not added exist as public channels tkeops is in.
   */
  addChannel(channel: { id: string; name: string; private?: boolean; botIsMember?: boolean }): void;
  /**
   * Waits until `predicate` holds over the recorded calls (the bot works after ack()). Throws at
   * once when the bot sent something over Slack's limits.
   */
  waitFor(predicate: (calls: SlackCall[]) => boolean, timeoutMs?: number): Promise<SlackCall[]>;
  /** The id Slack gave the modal the bot opened (views.open) most recently, still open; for clicks and submissions in it. */
  latestModalId(): string | undefined;
  /** Stops the server; then throws if the bot sent anything over Slack's limits, so the test fails. */
  close(): Promise<void>;
}

/** What the bot sent that Slack would refuse, one line per problem, naming the method. */
export function describeViolations(violations: readonly LimitViolation[]): string {
  return violations.map((v) => `${v.method} → ${v.error}${v.messages.length > 0 ? `:\n  ${v.messages.join('\n  ')}` : ''}`).join('\n');
}

const limitError = (violations: readonly LimitViolation[]) =>
  new Error(`the bot sent Slack ${violations.length} request(s) over Slack's limits:\n${describeViolations(violations)}`);

/**
 * The Slack Web API the integration tests' bot talks to: the sandbox's local Slack in lenient mode
 * (channels, users and messages it has not seen are accepted) with its call log. Slack's Block Kit
 * limits are enforced as Slack does (`invalid_arguments` / `invalid_blocks`), and a violation fails
 * the test through waitFor() and close().
 */
export async function startFakeSlack(options: { botToken?: string } = {}): Promise<FakeSlack> {
  const slack = await startLocalSlack({ botToken: options.botToken ?? 'xoxb-test-token', strict: false });
  return {
    apiUrl: slack.apiUrl,
    url: slack.url,
    calls: (method) => slack.calls(method),
    violations: () => slack.violations(),
    fail: (method, failure) => slack.fail(method, failure),
    latency: (method, ms) => slack.latency(method, ms),
    holdAnswers: (method, when) => slack.holdAnswers(method, when),
    messages: (channel) => slack.state.channelMessages(channel),
    setUserGroup(groupId, users) {
      slack.state.userGroups.set(groupId, users);
    },
    addChannel(channel) {
      slack.state.putChannel({ topic: '', private: false, botIsMember: true, ...channel });
    },
    async waitFor(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (slack.violations().length > 0) throw limitError(slack.violations());
        if (predicate(slack.calls())) return slack.calls();
        if (Date.now() > deadline) {
          throw new Error(`fake Slack: condition not met in ${timeoutMs} ms; calls: ${slack.calls().map((c) => c.method).join(', ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    latestModalId: () =>
      Object.values(slack.state.allStacks())
        .flatMap((stack) => stack.map((record) => record.view.id))
        .sort()
        .at(-1),
    async close() {
      await slack.close();
      if (slack.violations().length > 0) throw limitError(slack.violations());
    },
  };
}

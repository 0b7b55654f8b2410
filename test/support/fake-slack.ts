import { startLocalSlack, type InjectedFailure, type SlackCall } from '../../src/sandbox/slack/index.js';

export type { SlackCall };

export interface FakeSlack {
  /** Base URL for the Web API client (`slackApiUrl`), ending in /api/. */
  apiUrl: string;
  /** Base URL of this server, for response_url values. */
  url: string;
  calls(method?: string): SlackCall[];
  /** Next calls of `method` fail: a Slack error (`ok: false`) or an HTTP status such as 429 with Retry-After. */
  fail(method: string, failure: InjectedFailure): void;
  /** Members of a user group, answered by usergroups.users.list. */
  setUserGroup(groupId: string, users: string[]): void;
  /** Waits until `predicate` holds over the recorded calls (the bot works after ack()). */
  waitFor(predicate: (calls: SlackCall[]) => boolean, timeoutMs?: number): Promise<SlackCall[]>;
  close(): Promise<void>;
}

/**
 * The Slack Web API the integration tests' bot talks to: the sandbox's local Slack in lenient mode
 * (channels, users and messages it has not seen are accepted), with its call log.
 */
export async function startFakeSlack(options: { botToken?: string } = {}): Promise<FakeSlack> {
  const slack = await startLocalSlack({ botToken: options.botToken ?? 'xoxb-test-token', strict: false });
  return {
    apiUrl: slack.apiUrl,
    url: slack.url,
    calls: (method) => slack.calls(method),
    fail: (method, failure) => slack.fail(method, failure),
    setUserGroup(groupId, users) {
      slack.state.userGroups.set(groupId, users);
    },
    async waitFor(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(slack.calls())) {
        if (Date.now() > deadline) {
          throw new Error(`fake Slack: condition not met in ${timeoutMs} ms; calls: ${slack.calls().map((c) => c.method).join(', ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return slack.calls();
    },
    close: () => slack.close(),
  };
}

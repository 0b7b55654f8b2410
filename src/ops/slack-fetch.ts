import type { FetchFunction } from '@slack/web-api';
import type { Metrics } from '../services/metrics.js';

/** Where the Web API client sends calls when SLACK_API_URL is not set. */
export const SLACK_API_URL = 'https://slack.com/api/';

const METHOD = /^[A-Za-z0-9_.]{1,64}$/;
const SLACK_ERROR = /^[a-z0-9_]{1,64}$/;

/** The Web API method of a request URL (`chat.postMessage`); `response_url` for anything else Bolt posts to. */
function methodOf(url: string, apiUrl: string): string {
  if (!url.startsWith(apiUrl)) return 'response_url';
  const method = url.slice(apiUrl.length).split('?')[0] ?? '';
  return METHOD.test(method) ? method : 'other';
}

/** `ok`, Slack's error code, or `error` when the answer is not one (the label never carries free text). */
async function statusOf(response: Awaited<ReturnType<typeof fetch>>): Promise<string> {
  if (response.status !== 200) return `http_${response.status}`;
  try {
    const body = (await response.clone().json()) as { ok?: unknown; error?: unknown };
    if (body.ok === true) return 'ok';
    return typeof body.error === 'string' && SLACK_ERROR.test(body.error) ? body.error : 'error';
  } catch {
    // Not JSON: a response_url answers "ok" as text.
    return 'ok';
  }
}

/**
 * The `fetch` every Slack Web API client of the bot uses (Bolt's, the outbox's, the user group
 * lookups'): counts and times each HTTP call by method and status. A call the client retries is
 * counted once per attempt.
 */
export function meteredFetch(metrics: Pick<Metrics, 'slackCall'>, apiUrl: string = SLACK_API_URL): FetchFunction {
  return async (url, init) => {
    const method = methodOf(String(url), apiUrl);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(url, init);
    } catch (error) {
      metrics.slackCall(method, 'network_error', seconds());
      throw error;
    }
    metrics.slackCall(method, await statusOf(response), seconds());
    return response;
  };
}

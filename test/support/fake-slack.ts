import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Web API call (or response_url post) the bot made, with JSON-looking fields decoded. */
export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  token: string | undefined;
  at: number;
}

type Answer = Record<string, unknown>;
interface Failure {
  method: string;
  status?: number;
  error?: string;
  retryAfterSeconds?: number;
  times: number;
}

export interface FakeSlack {
  /** Base URL for the Web API client (`slackApiUrl`), ending in /api/. */
  apiUrl: string;
  /** Base URL of this server, for response_url values. */
  url: string;
  calls(method?: string): SlackCall[];
  /** Next calls of `method` fail: a Slack error (`ok: false`) or an HTTP status such as 429 with Retry-After. */
  fail(method: string, failure: { error?: string; status?: number; retryAfterSeconds?: number; times?: number }): void;
  /** Members of a user group, answered by usergroups.users.list. */
  setUserGroup(groupId: string, users: string[]): void;
  /** Waits until `predicate` holds over the recorded calls (the bot works after ack()). */
  waitFor(predicate: (calls: SlackCall[]) => boolean, timeoutMs?: number): Promise<SlackCall[]>;
  close(): Promise<void>;
}

/** Fields the Web API client sends JSON-encoded inside form bodies. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurl']);

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    body[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : value;
  }
  return body;
}

export async function startFakeSlack(options: { botToken?: string } = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? 'xoxb-test-token';
  const calls: SlackCall[] = [];
  const failures: Failure[] = [];
  const userGroups = new Map<string, string[]>();
  let tsCounter = 1_700_000_000;
  let viewCounter = 0;
  const views = new Map<string, Answer>();

  const nextTs = () => `${++tsCounter}.000100`;
  const viewAnswer = (view: Answer, id: string): Answer => {
    const stored = { ...view, id, hash: `hash-${id}-${++viewCounter}`, team_id: 'T0TKEOPS' };
    views.set(id, stored);
    return { ok: true, view: stored };
  };

  function answer(method: string, body: Record<string, unknown>): Answer {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://tkeops.slack.test/', team: 'tkeops', user: 'tkeops', team_id: 'T0TKEOPS', user_id: 'U0BOT', bot_id: 'B0BOT' };
      case 'chat.postMessage': {
        const ts = nextTs();
        return { ok: true, channel: body.channel, ts, message: { ...body, ts, type: 'message' } };
      }
      case 'chat.update':
        return { ok: true, channel: body.channel, ts: body.ts, text: body.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'views.open':
      case 'views.push':
        return viewAnswer(body.view as Answer, `V${String(++viewCounter).padStart(8, '0')}`);
      case 'views.update': {
        const id = String(body.view_id ?? '');
        if (!views.has(id)) return { ok: false, error: 'not_found' };
        return viewAnswer(body.view as Answer, id);
      }
      case 'usergroups.users.list': {
        const users = userGroups.get(String(body.usergroup));
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, json: Answer, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(json));
    };
    if (url.pathname.startsWith('/response/')) {
      calls.push({ method: 'response_url', body: { ...body, response_url: url.pathname }, token: undefined, at: Date.now() });
      send(200, { ok: true });
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '') || (body.token as string | undefined);
    const failure = failures.find((f) => f.method === method && f.times > 0);
    if (failure) {
      failure.times -= 1;
      if (failure.status) {
        calls.push({ method: `${method} (HTTP ${failure.status})`, body, token, at: Date.now() });
        send(failure.status, { ok: false, error: 'ratelimited' }, failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {});
        return;
      }
      calls.push({ method, body, token, at: Date.now() });
      send(200, { ok: false, error: failure.error ?? 'fatal_error' });
      return;
    }
    calls.push({ method, body, token, at: Date.now() });
    if (token !== botToken) {
      send(200, { ok: false, error: 'invalid_auth' });
      return;
    }
    send(200, answer(method, body));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${url}/api/`,
    url,
    calls: (method) => (method ? calls.filter((c) => c.method === method) : [...calls]),
    fail(method, failure) {
      failures.push({ method, times: failure.times ?? 1, ...failure });
    },
    setUserGroup(groupId, users) {
      userGroups.set(groupId, users);
    },
    async waitFor(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline) {
          throw new Error(`fake Slack: condition not met in ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return [...calls];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

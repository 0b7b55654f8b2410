import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBotLink } from './bot-link.js';
import { createInteractions, type Interactions } from './interactions.js';
import { createPageApi, type SandboxControl } from './page-api.js';
import { parseApiBody, readText } from './request-body.js';
import { SlackState } from './state.js';
import { createWebApi, type InjectedFailure, type LimitViolation, type SlackCall, type WebApi } from './web-api.js';
import { emptyWorkspace, type Workspace } from './workspace.js';

export interface LocalSlackOptions {
  botToken: string;
  /** Signs the requests sent to the bot (the page's commands, clicks and submissions). */
  signingSecret?: string;
  workspace?: Workspace;
  /**
   * Strict (default): unknown channels, users, messages and trigger ids and stale view hashes are
   * refused as Slack refuses them. Lenient: they are accepted, as the integration tests' fake Slack
   * always did. Block Kit over Slack's limits is refused in both modes (and recorded: violations()).
   */
  strict?: boolean;
  /** Where the bot receives Slack requests; can also be set later with connectBot(). */
  botRequestUrl?: string;
  controls?: SandboxControl[];
  /** How long the app has to acknowledge a request (Slack: 3 s). */
  ackTimeoutMs?: number;
  /** Slash commands the app declares (default: /tke). */
  commands?: string[];
  port?: number;
  host?: string;
}

export interface LocalSlack {
  /** Base URL of this server: the page, and response_url values. */
  url: string;
  /** Base URL for the Web API client (`slackApiUrl`), ending in /api/. */
  apiUrl: string;
  state: SlackState;
  /** What a person does on the page, callable directly (tests). */
  interactions: Interactions;
  /** Every Web API call and response_url post, oldest first. */
  calls(method?: string): SlackCall[];
  /** Every call refused for breaking Slack's limits, oldest first. */
  violations(): LimitViolation[];
  fail(method: string, failure: InjectedFailure): void;
  /**
   * Every later call of `method` (those `when` picks) is taken and acted on as usual but answered
   * only at `release()`, as a Slack whose answer is late.
   */
  holdAnswers(method: string, when?: (body: Record<string, unknown>) => boolean): { release(): void };
  /** Every later call of `method` is answered `ms` later (0: at once again). */
  latency(method: string, ms: number): void;
  connectBot(requestUrl: string): void;
  close(): Promise<void>;
}

const PUBLIC_DIR = new URL('./public/', import.meta.url);
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
/** The page's files, by name; nothing else under public/ is served. */
const ASSETS = ['index.html', 'app.js', 'blocks.js', 'mrkdwn.js', 'modal.js', 'dom.js', 'style.css'];

async function serveAsset(res: ServerResponse, name: string): Promise<void> {
  const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(await readFile(new URL(name, PUBLIC_DIR)));
}

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
};

/**
 * The local Slack: Slack's Web API for the bot (`/api/<method>`, response URLs) and, on the same
 * port, a Slack-like page for people, whose actions reach the bot as signed Slack requests.
 */
export async function startLocalSlack(options: LocalSlackOptions): Promise<LocalSlack> {
  const state = new SlackState(options.workspace ?? emptyWorkspace(), options.strict ?? true);
  let baseUrl = '';
  const api: WebApi = createWebApi(state, { botToken: options.botToken, baseUrl: () => baseUrl });
  const bot = createBotLink(options.signingSecret ?? '', options.botRequestUrl, options.ackTimeoutMs);
  const interactions = createInteractions({ state, bot, baseUrl: () => baseUrl, ...(options.commands ? { commands: options.commands } : {}) });
  const page = createPageApi({ state, api, interactions, controls: options.controls ?? [] });

  /** Methods whose answers wait, until their release. */
  const holds = new Map<string, { released: Promise<void>; when: (body: Record<string, unknown>) => boolean }>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const text = await readText(req);
    if (url.pathname.startsWith('/upload/') && req.method === 'POST') {
      // The Web API client posts the file as multipart form data (its one field holds the bytes).
      const form = await new Response(text, { headers: { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' } })
        .formData()
        .catch(() => undefined);
      const part = form ? [...form.values()][0] : undefined;
      const content = part === undefined ? text : typeof part === 'string' ? part : await part.text();
      const answer = api.upload(url.pathname, content);
      sendJson(res, answer.status, answer.body, answer.headers);
      return;
    }
    if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/response/')) {
      let body: Record<string, unknown>;
      try {
        body = { ...Object.fromEntries(url.searchParams), ...parseApiBody(text, req.headers['content-type']) };
      } catch {
        sendJson(res, 200, { ok: false, error: (req.headers['content-type'] ?? '').includes('json') ? 'invalid_json' : 'invalid_form_data' });
        return;
      }
      if (url.pathname.startsWith('/response/')) {
        const answer = api.respond(url.pathname, body);
        sendJson(res, answer.status, answer.body, answer.headers);
        return;
      }
      const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const token = bearer || (typeof body.token === 'string' ? body.token : undefined);
      const method = url.pathname.slice('/api/'.length);
      const answer = api.call(method, body, token);
      const held = holds.get(method);
      if (held?.when(body)) await held.released;
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      sendJson(res, answer.status, answer.body, answer.headers);
      return;
    }
    if (await page.handle(req, res, url.pathname, text)) return;
    const asset = url.pathname.slice(1);
    if (req.method === 'GET' && ASSETS.includes(asset) && asset !== 'index.html') {
      await serveAsset(res, asset);
      return;
    }
    // The page, at / and at permalinks (/archives/<channel>/p<ts>).
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname.startsWith('/archives/'))) {
      await serveAsset(res, 'index.html');
      return;
    }
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    state,
    interactions,
    calls: (method) => (method ? api.calls.filter((c) => c.method === method) : [...api.calls]),
    violations: () => [...api.violations],
    fail: (method, failure) => api.fail(method, failure),
    latency: (method, ms) => api.latency(method, ms),
    holdAnswers(method, when = () => true) {
      let release = () => {};
      holds.set(method, { released: new Promise<void>((resolve) => (release = resolve)), when });
      return {
        release() {
          holds.delete(method);
          release();
        },
      };
    },
    connectBot: (requestUrl) => bot.connect(requestUrl),
    close: () =>
      new Promise<void>((resolve, reject) => {
        page.closeStreams();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../services/logger.js';
import type { PrometheusMetrics } from './prometheus.js';
import type { ReadinessReport } from './readiness.js';
import type { createSlackGuard } from './slack-guard.js';

/** The path Slack posts to (the manifest's request URLs). */
export const SLACK_EVENTS_PATH = '/slack/events';
/** A whole request (headers and body) must arrive within this time; Slack sends it at once. */
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 10_000;

export interface OpsEndpoints {
  readiness(): Promise<ReadinessReport>;
  /** Served on `GET /metrics`; undefined: not on this server (METRICS_PORT has it). */
  metrics?: Pick<PrometheusMetrics, 'render'>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string, head: boolean): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(head ? undefined : body);
}

/**
 * `GET /healthz` (the process answers), `GET /readyz` (every readiness check passes: 200, else 503,
 * with each check in JSON) and `GET /metrics` (Prometheus). Returns false for any other request.
 */
export function serveOps(endpoints: OpsEndpoints, logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return false;
    const head = method === 'HEAD';
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/healthz':
        send(res, 200, 'text/plain; charset=utf-8', 'ok\n', head);
        return true;
      case '/readyz':
        endpoints.readiness().then(
          (report) => send(res, report.ready ? 200 : 503, 'application/json', `${JSON.stringify(report)}\n`, head),
          (error: unknown) => {
            logger.error({ err: (error as Error).message }, 'readiness check failed');
            send(res, 503, 'application/json', '{"ready":false}\n', head);
          },
        );
        return true;
      case '/metrics':
        if (!endpoints.metrics) return false;
        endpoints.metrics.render().then(
          ({ contentType, body }) => send(res, 200, contentType, body, head),
          (error: unknown) => {
            logger.error({ err: (error as Error).message }, 'metrics could not be collected');
            send(res, 500, 'text/plain; charset=utf-8', 'metrics unavailable\n', head);
          },
        );
        return true;
      default:
        return false;
    }
  };
}

/**
 * POST /slack/events through the guard into Bolt's HTTPReceiver: the checked body is handed over
 * as `req.rawBody`, which Bolt reads instead of buffering the request again.
 */
export function serveSlack(deps: { guard: ReturnType<typeof createSlackGuard>; receive: RequestListener; logger: Logger }) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== SLACK_EVENTS_PATH) return false;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' });
      res.end();
      return true;
    }
    void deps.guard.admit(req, res).then((checked) => {
      if (!checked) return;
      Object.assign(req, { rawBody: checked.rawBody });
      try {
        deps.receive(req, res);
      } catch (error) {
        deps.logger.error({ err: (error as Error).message }, 'Bolt could not take a Slack request');
        if (!res.headersSent) {
          res.writeHead(500);
          res.end();
        }
      }
    });
    return true;
  };
}

export interface HttpServer {
  server: Server;
  port: number;
  /** Stops taking connections, lets requests under way finish for up to `graceMs`, then cuts what is left. */
  close(graceMs?: number): Promise<void>;
}

/** An HTTP server made of handlers tried in order (each returns whether it answered); 404 otherwise. */
export async function listen(
  handlers: ((req: IncomingMessage, res: ServerResponse) => boolean)[],
  options: { port: number; host: string },
): Promise<HttpServer> {
  const server = createServer((req, res) => {
    for (const handle of handlers) if (handle(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close(graceMs = 5_000) {
      closing ??= new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

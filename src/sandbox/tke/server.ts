import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ControlError, runControl } from './control.js';
import { createEmulatorCore, type TkeEmulatorControls, type TkeEmulatorOptions } from './emulator.js';

export interface TkeEmulator extends TkeEmulatorControls {
  /** Base URL, e.g. http://127.0.0.1:41234 — the gateway's `endpoint`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const CONTROL_PREFIX = '/_emulator/';

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts the Tencent Cloud API 3.0 emulator (TKE, CVM, VPC, CBS, CLB) on 127.0.0.1. */
export async function startTkeEmulator(options: TkeEmulatorOptions): Promise<TkeEmulator> {
  const core = createEmulatorCore(options);

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = req.url ?? '/';
      if (url.startsWith(CONTROL_PREFIX)) {
        try {
          const parsed: unknown = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
          send(res, 200, { ok: true, ...runControl(core, url.slice(CONTROL_PREFIX.length).split('?')[0] ?? '', parsed) });
        } catch (error) {
          const message = error instanceof ControlError || error instanceof SyntaxError ? error.message : String(error);
          send(res, 400, { ok: false, error: message });
        }
        return;
      }
      send(res, 200, await core.handle({ method: req.method ?? 'GET', url, headers: req.headers, body }));
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(error) });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${String(address.port)}`;

  // The emulator object is the core's controls (whose getters must stay live) plus the server's
  // address and close().
  const close = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  return Object.assign(core, { url, port: address.port, close });
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from '../services/logger.js';
import type { Metrics } from '../services/metrics.js';
import { payloadKind } from './payload-kinds.js';

/**
 * The largest request body accepted on /slack/events, 1 MiB. Slack's largest payloads are
 * view_submission and block_actions, which carry a whole view with its state: Slack refuses a view
 * over 250 kB (`view_too_large`), the state of its inputs adds at most the characters their
 * max_length allows, and the form encoding (`payload=<percent-encoded JSON>`) can triple
 * punctuation-heavy JSON. 1 MiB holds all of it; Bolt's own default (4 MB) is four times that.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Bytes of request bodies being read at once, over every request: later requests are answered 503 until some finish. */
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * DEFAULT_MAX_BODY_BYTES;
/** Slack's rule: a request whose timestamp is more than 5 minutes from now (either way) is refused. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;
/** An unsigned request may only be Slack's `ssl_check`: a few dozen bytes. */
const SSL_CHECK_MAX_BYTES = 1024;
/** After a refusal the rest of the body is read and thrown away up to this many bytes (so the client reads the answer), then the connection is cut. */
const DISCARD_MAX_BYTES = 64 * 1024;

const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP = /^\d{1,12}$/;
export interface SlackGuardOptions {
  signingSecret: string;
  maxBodyBytes?: number;
  maxBufferedBytes?: number;
  logger: Logger;
  metrics: Pick<Metrics, 'httpRefused'>;
  /** Seconds since the epoch; Slack's timestamps are wall-clock time. */
  nowSeconds?: () => number;
}

/** A request that passed: its body (as Bolt expects it in `req.rawBody`) and its kind. */
export interface CheckedRequest {
  rawBody: Buffer;
  kind: string;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    detail: string,
  ) {
    super(detail);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Reads the body, refusing it as soon as it grows past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        reject(new Refusal(413, 'too_large', `request body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onAborted = () => onError(new Error('request aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/**
 * What Bolt would make of the body (HTTPReceiver's parseHTTPRequestBody), checked: an object with a
 * payload `type`, or a slash command's form. Anything else is a 400 now instead of a request Bolt
 * leaves unanswered (`null`) or answers after 3 s.
 */
function kindOf(body: Buffer, contentType: string | undefined): string {
  const text = body.toString('utf8');
  let parsed: unknown;
  if (contentType === 'application/x-www-form-urlencoded') {
    const form = parseQuery(text);
    if (typeof form.payload !== 'string') {
      if (form.ssl_check === '1') return 'ssl_check';
      if (typeof form.command === 'string' && form.command.startsWith('/')) return 'slash_command';
      throw new Refusal(400, 'malformed', 'a form without a payload or a command');
    }
    parsed = parseJson(form.payload);
  } else {
    parsed = parseJson(text);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Refusal(400, 'malformed', 'the payload is not a JSON object');
  const type = (parsed as { type?: unknown }).type;
  if (typeof type !== 'string' || type === '') throw new Refusal(400, 'malformed', 'the payload has no type');
  return payloadKind(type);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Refusal(400, 'malformed', 'the payload is not JSON');
  }
}

/**
 * Checks a request to /slack/events before Bolt buffers it: a declared length over the limit is
 * refused (413) before any byte is read; a missing or malformed signature, or a timestamp more than
 * 5 minutes in the past or the future, is refused (401) before the body is read; bodies being read
 * at once share a byte budget (503 beyond it); the body is read up to the limit, its HMAC checked,
 * and a payload Bolt cannot use (`null`, not JSON, no `type`) refused (400).
 */
export function createSlackGuard(options: SlackGuardOptions) {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxBuffered = Math.max(options.maxBufferedBytes ?? 8 * maxBody, maxBody);
  const nowSeconds = options.nowSeconds ?? (() => Date.now() / 1000);
  let buffered = 0;

  const signatureOf = (timestamp: string, body: Buffer) =>
    createHmac('sha256', options.signingSecret).update(`v0:${timestamp}:`).update(body).digest();

  async function check(req: IncomingMessage): Promise<CheckedRequest> {
    const declared = header(req, 'content-length');
    const length = declared === undefined ? undefined : Number(declared);
    if (length !== undefined && (!Number.isSafeInteger(length) || length < 0 || length > maxBody)) {
      throw new Refusal(413, 'too_large', `request body of ${declared} bytes, over ${maxBody}`);
    }
    const timestamp = header(req, 'x-slack-request-timestamp');
    const signature = header(req, 'x-slack-signature');
    if (timestamp === undefined && signature === undefined) {
      // Only Slack's ssl_check comes unsigned (Bolt answers it): a small form, read up to a few bytes.
      const small = length !== undefined && length <= SSL_CHECK_MAX_BYTES;
      if (small && header(req, 'content-type') === 'application/x-www-form-urlencoded') {
        const body = await readBody(req, SSL_CHECK_MAX_BYTES).catch(() => Buffer.alloc(0));
        if (parseQuery(body.toString('utf8')).ssl_check === '1') return { rawBody: Buffer.from('ssl_check=1'), kind: 'ssl_check' };
      }
      throw new Refusal(401, 'bad_signature', 'an unsigned request');
    }
    if (timestamp === undefined || !TIMESTAMP.test(timestamp)) throw new Refusal(401, 'bad_signature', 'no valid x-slack-request-timestamp');
    const skew = Number(timestamp) - nowSeconds();
    if (Math.abs(skew) > MAX_CLOCK_SKEW_SECONDS) {
      throw new Refusal(401, 'stale_timestamp', `x-slack-request-timestamp ${Math.round(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} this clock`);
    }
    if (signature === undefined || !SIGNATURE.test(signature)) throw new Refusal(401, 'bad_signature', 'no valid x-slack-signature');

    const reserved = length ?? maxBody;
    if (buffered + reserved > maxBuffered) throw new Refusal(503, 'busy', 'too many request bodies being read at once');
    buffered += reserved;
    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
    } finally {
      buffered -= reserved;
    }
    const expected = signatureOf(timestamp, body);
    const given = Buffer.from(signature.slice(3), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Refusal(401, 'bad_signature', 'signature mismatch');
    return { rawBody: body, kind: kindOf(body, header(req, 'content-type')) };
  }

  function refuse(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
    options.metrics.httpRefused(refusal.reason);
    const level = refusal.status === 400 ? 'warn' : 'info';
    options.logger[level]({ status: refusal.status, reason: refusal.reason, detail: refusal.message }, 'Slack request refused');
    if (!res.headersSent) {
      res.writeHead(refusal.status, {
        'content-type': 'text/plain; charset=utf-8',
        connection: 'close',
        ...(refusal.status === 503 ? { 'retry-after': '1' } : {}),
      });
      res.end(`${refusal.reason}\n`);
    }
    // Throw the rest of the body away as it comes (nothing is kept), up to a bound; then cut the connection.
    if (!req.complete) {
      let discarded = 0;
      req.on('data', (chunk: Buffer) => {
        discarded += chunk.length;
        if (discarded > DISCARD_MAX_BYTES) req.socket.destroy();
      });
      req.resume();
    }
  }

  return {
    /**
     * Checks the request; resolves with its body and kind, or answers it (413, 401, 503, 400) and
     * resolves undefined.
     */
    async admit(req: IncomingMessage, res: ServerResponse): Promise<CheckedRequest | undefined> {
      try {
        return await check(req);
      } catch (error) {
        if (error instanceof Refusal) refuse(req, res, error);
        else {
          options.logger.info({ err: (error as Error).message }, 'Slack request body not received');
          req.socket.destroy();
        }
        return undefined;
      }
    },
    /** Bytes of request bodies being read right now. */
    get bufferedBytes() {
      return buffered;
    },
  };
}

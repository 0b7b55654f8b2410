import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { TencentError } from './tke.js';

export interface RetryPolicy {
  /** Total attempts, the first one included. */
  attempts: number;
  /** Delay before the second attempt; doubles for each further one. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200 };

/** Tencent error codes look like `AuthFailure.SignatureFailure`; anything else did not come from the API. */
const TENCENT_CODE = /^[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9_-]+)*$/;

function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}

/**
 * Turns whatever the SDK threw into a TencentError. An API error carries Tencent's code and
 * RequestId; an SDK exception without a code (connection refused, timeout, non-200 answer) is a
 * `NetworkError`. The Secret Key never survives into the message.
 */
export function toTencentError(error: unknown, secretKey: string): TencentError {
  if (error instanceof TencentError) return error;
  const fields = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown; requestId?: unknown; traceId?: unknown };
  const fromSdk = 'traceId' in fields;
  const code = fromSdk && typeof fields.code === 'string' && TENCENT_CODE.test(fields.code) ? fields.code : 'NetworkError';
  const message = redact(typeof fields.message === 'string' && fields.message ? fields.message : String(error), secretKey);
  const requestId = typeof fields.requestId === 'string' && fields.requestId ? fields.requestId : undefined;
  return new TencentError(code, message, requestId);
}

export interface TencentCall {
  action: string;
  region: string;
  secretKey: string;
}

/**
 * Runs one SDK call. Describe* calls are read-only, so a transient failure (throttling,
 * InternalError, the network) is retried with exponential backoff; anything that creates,
 * modifies, installs or deletes is tried exactly once.
 */
export function createTencentCaller(deps: {
  logger: Logger;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  /** Counts and times each request by action and result code (`OK` or Tencent's code). */
  metrics?: Pick<Metrics, 'tencentRequest'>;
}) {
  return async function call<T>(meta: TencentCall, run: () => Promise<T>): Promise<T> {
    const retryable = meta.action.startsWith('Describe');
    const attempts = retryable ? Math.max(1, deps.retry.attempts) : 1;
    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const result = await run();
        deps.metrics?.tencentRequest(meta.action, 'OK', seconds());
        return result;
      } catch (raw) {
        const error = toTencentError(raw, meta.secretKey);
        deps.metrics?.tencentRequest(meta.action, error.code, seconds());
        if (!error.transient || attempt >= attempts) throw error;
        const delayMs = deps.retry.baseDelayMs * 2 ** (attempt - 1);
        deps.logger.warn(
          { action: meta.action, region: meta.region, attempt, attempts, code: error.code, requestId: error.requestId, delayMs },
          'Tencent call failed; retrying',
        );
        await deps.sleep(delayMs);
      }
    }
  };
}

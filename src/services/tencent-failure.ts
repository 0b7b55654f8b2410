import type { TencentFailure } from './domain/index.js';
import { TencentError } from './tke.js';

/**
 * A failed call as tkeops records and shows it: Tencent's code, message and request id, or, for
 * anything that is not a Tencent answer, `tkeops.UnexpectedError` with the error's message.
 * `action` names the Tencent action that failed (CreateCluster, DeleteCluster...).
 */
export function failureOf(error: unknown, action?: string): TencentFailure {
  const named = action ? { action } : {};
  if (error instanceof TencentError) {
    return { code: error.code, message: error.tencentMessage, ...(error.requestId ? { requestId: error.requestId } : {}), ...named };
  }
  return { code: 'tkeops.UnexpectedError', message: error instanceof Error ? error.message : String(error), ...named };
}

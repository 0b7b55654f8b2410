import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../services/clock.js';
import { findAction } from './actions/index.js';
import { ApiError, missingParameter } from './errors.js';
import type { Faults } from './faults.js';
import { parseAuthorization, scopeDate, signatureMatches } from './signature.js';
import type { EmulatorState } from './state.js';

/** One request as the emulator received it (the Secret Key is never part of it). */
export interface RecordedRequest {
  requestId: string;
  action: string;
  version: string;
  /** The service named in the credential scope ("127" for an SDK pointed at 127.0.0.1). */
  service: string;
  region: string | undefined;
  secretId: string | undefined;
  params: unknown;
  /** Wall-clock ms when the request arrived (for concurrency and timing tests). */
  receivedAt: number;
  /** Emulator clock ms when the request arrived. */
  emulatorTime: number;
  /** The error code answered, if the request failed. */
  errorCode?: string;
}

export interface RawRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ApiDeps {
  state: EmulatorState;
  faults: Faults;
  /** What X-TC-Timestamp is checked against and receivedAt is read from. */
  wallClock: Clock;
  record(request: RecordedRequest): void;
}

/** Requests more than this far from the emulator's wall clock are refused (SignatureExpire). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function parseBody(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  const text = body.toString('utf8');
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Authenticates the caller exactly as Tencent Cloud does for TC3-HMAC-SHA256; returns the SecretId. */
function authenticate(deps: ApiDeps, request: RawRequest): string {
  const auth = parseAuthorization(header(request.headers, 'authorization'));
  if (!auth) {
    throw new ApiError('AuthFailure.InvalidAuthorization', 'The Authorization header is not a valid TC3-HMAC-SHA256 authorization.');
  }
  const secretKey = deps.state.accounts.get(auth.secretId);
  if (secretKey === undefined) {
    throw new ApiError('AuthFailure.SecretIdNotFound', 'The SecretId is not found, please ensure that your SecretId is correct.');
  }
  const timestamp = header(request.headers, 'x-tc-timestamp') ?? '';
  if (!/^\d+$/.test(timestamp)) throw missingParameter('X-TC-Timestamp');
  if (Math.abs(deps.wallClock.now().getTime() - Number(timestamp) * 1000) > MAX_CLOCK_SKEW_MS) {
    throw new ApiError('AuthFailure.SignatureExpire', 'Signature expired. Timestamp and server time cannot differ by more than 5 minutes.');
  }
  const validDate = auth.date === scopeDate(Number(timestamp));
  if (!validDate || !signatureMatches({ ...request, timestamp }, auth, secretKey)) {
    throw new ApiError('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
  }
  return auth.secretId;
}

function answer(deps: ApiDeps, request: RawRequest, entry: RecordedRequest, body: { ok: boolean; value?: unknown }): object {
  if (request.method.toUpperCase() !== 'POST') {
    throw new ApiError('InvalidParameter', 'The emulator accepts POST requests with a JSON body only.');
  }
  if (!entry.action) throw missingParameter('X-TC-Action');
  if (!entry.version) throw missingParameter('X-TC-Version');
  const secretId = authenticate(deps, request);
  if (!body.ok) throw new ApiError('InvalidParameter', 'The request body is not valid JSON.');
  const action = findAction(entry.action, entry.version, entry.service);
  if (!action) {
    throw new ApiError('InvalidAction', `The action \`${entry.action}\` (version ${entry.version}) does not exist.`);
  }
  const region = entry.region ?? '';
  if (action.regional) {
    if (!region) throw missingParameter('Region');
    if (!deps.state.regionData({ secretId, region })) {
      throw new ApiError('UnsupportedRegion', `The region \`${region}\` is not supported.`);
    }
  }
  const failure = deps.faults.takeFailure(entry.action);
  if (failure) throw new ApiError(failure.code, failure.message);
  return action.run({ state: deps.state, scope: { secretId, region } }, body.value);
}

/** Answers one Tencent Cloud API 3.0 request with the {"Response": ...} envelope. */
export async function handleApiRequest(deps: ApiDeps, request: RawRequest): Promise<object> {
  const body = parseBody(request.body);
  const auth = parseAuthorization(header(request.headers, 'authorization'));
  const entry: RecordedRequest = {
    requestId: randomUUID(),
    action: header(request.headers, 'x-tc-action') ?? '',
    version: header(request.headers, 'x-tc-version') ?? '',
    service: auth?.service ?? '',
    region: header(request.headers, 'x-tc-region'),
    secretId: auth?.secretId,
    params: body.ok ? body.value : request.body.toString('utf8'),
    receivedAt: deps.wallClock.now().getTime(),
    emulatorTime: deps.state.now(),
  };
  deps.record(entry);
  await deps.faults.heldFor(entry.action);
  const delay = deps.faults.latencyFor(entry.action);
  if (delay > 0) await sleep(delay);
  try {
    const result = answer(deps, request, entry, body);
    return { Response: { ...result, RequestId: entry.requestId } };
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError('InternalError', 'An internal error occurred.');
    if (!(error instanceof ApiError)) console.error('tke emulator: unexpected error', error);
    entry.errorCode = apiError.code;
    return { Response: { Error: { Code: apiError.code, Message: apiError.message }, RequestId: entry.requestId } };
  }
}

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * TC3-HMAC-SHA256, as tencentcloud-sdk-nodejs computes it (common/sign.js):
 *   CanonicalRequest = METHOD \n path \n query \n "content-type:<v>\nhost:<v>\n" \n "content-type;host" \n sha256hex(body)
 *   StringToSign     = "TC3-HMAC-SHA256" \n timestamp \n "<date>/<service>/tc3_request" \n sha256hex(CanonicalRequest)
 *   key              = HMAC("tc3_request", HMAC(service, HMAC(date, "TC3" + secretKey)))
 * The service is whatever the client put in the credential scope: the SDK derives it from the
 * endpoint's first label, so "127" when pointed at 127.0.0.1.
 */
export interface Tc3Authorization {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_PATTERN =
  /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export function parseAuthorization(header: string | undefined): Tc3Authorization | undefined {
  const match = header === undefined ? null : AUTH_PATTERN.exec(header.trim());
  if (!match) return undefined;
  const [, secretId = '', date = '', service = '', signedHeaders = '', signature = ''] = match;
  return { secretId, date, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** UTC date (yyyy-mm-dd) of a Unix timestamp in seconds, as the credential scope carries it. */
export function scopeDate(timestampSeconds: number): string {
  return new Date(timestampSeconds * 1000).toISOString().slice(0, 10);
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

export interface SignatureInput {
  secretKey: string;
  method: string;
  path: string;
  query: string;
  /** Header name (lower case) → value, for each signed header. */
  canonicalHeaders: [string, string][];
  body: Buffer;
  timestamp: string;
  date: string;
  service: string;
}

export function computeSignature(input: SignatureInput): string {
  const headerBlock = input.canonicalHeaders.map(([name, value]) => `${name}:${value}\n`).join('');
  const signedHeaders = input.canonicalHeaders.map(([name]) => name).join(';');
  const canonicalRequest = [input.method, input.path, input.query, headerBlock, signedHeaders, sha256Hex(input.body)].join('\n');
  const scope = `${input.date}/${input.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', input.timestamp, scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`TC3${input.secretKey}`, input.date);
  const kService = hmac(kDate, input.service);
  const kSigning = hmac(kService, 'tc3_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim();
}

/**
 * Values the client may have signed for each signed header. For `host` the SDK signs the host
 * name without the port, other clients sign the Host header as sent, so both are accepted.
 */
function candidateHeaderSets(headers: IncomingHttpHeaders, signed: string[]): [string, string][][] {
  const base = signed.map((name): [string, string] => [name, headerValue(headers, name).toLowerCase()]);
  const hostIndex = signed.indexOf('host');
  const host = hostIndex >= 0 ? base[hostIndex]?.[1] : undefined;
  if (hostIndex < 0 || host === undefined) return [base];
  const withoutPort = host.replace(/:\d+$/, '');
  if (withoutPort === host) return [base];
  const alternative = base.map((entry, i): [string, string] => (i === hostIndex ? ['host', withoutPort] : entry));
  return [base, alternative];
}

export interface IncomingSignedRequest {
  method: string;
  /** The request target, e.g. "/" or "/?a=b". */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  timestamp: string;
}

/** True when the signature was made with `secretKey`. */
export function signatureMatches(request: IncomingSignedRequest, auth: Tc3Authorization, secretKey: string): boolean {
  const queryStart = request.url.indexOf('?');
  const path = queryStart >= 0 ? request.url.slice(0, queryStart) : request.url;
  const query = queryStart >= 0 ? request.url.slice(queryStart + 1) : '';
  const expected = Buffer.from(auth.signature, 'hex');
  return candidateHeaderSets(request.headers, auth.signedHeaders).some((canonicalHeaders) => {
    const actual = Buffer.from(
      computeSignature({
        secretKey,
        method: request.method.toUpperCase(),
        path,
        query,
        canonicalHeaders,
        body: request.body,
        timestamp: request.timestamp,
        date: auth.date,
        service: auth.service,
      }),
      'hex',
    );
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}

import type { IncomingMessage } from 'node:http';
import type { Json } from './block-ids.js';

/** Fields the Web API client sends JSON-encoded inside form bodies (it stringifies every object). */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurl', 'options', 'option_groups', 'user_auth_blocks', 'files']);

export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A Web API request body, form-encoded or JSON, with JSON-encoded fields decoded. */
export function parseApiBody(text: string, contentType: string | undefined): Json {
  if ((contentType ?? '').includes('application/json')) {
    const parsed: unknown = text ? JSON.parse(text) : {};
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : {};
  }
  const body: Json = {};
  for (const [key, value] of new URLSearchParams(text)) {
    body[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : value;
  }
  return body;
}

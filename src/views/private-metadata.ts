import type { z } from 'zod';

/**
 * A view's private_metadata read back through its schema, or undefined for anything else (no
 * metadata, not JSON, an old version or another view's pointer).
 */
export function parsePrivateMetadata<T>(schema: z.ZodType<T>, text: string | undefined): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

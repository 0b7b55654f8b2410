import { z } from 'zod';

/**
 * A response_url kept in a modal's private_metadata (the slash command or button that opened the
 * modal), with when tkeops received it: Slack accepts posts to it for 30 minutes only.
 */
export const savedResponseUrlSchema = z.object({ url: z.url({ protocol: /^https?$/ }), at: z.number().int().nonnegative() });
export type SavedResponseUrl = z.infer<typeof savedResponseUrlSchema>;

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

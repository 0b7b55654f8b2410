/** Polls `read` every `everyMs` (real time) until it gives a value; fails naming `what` after `timeoutMs`. */
export async function until<T>(read: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 5_000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

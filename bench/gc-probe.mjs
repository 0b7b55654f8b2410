// Preloaded into a bot process by the benchmark (`node --expose-gc --import ./bench/gc-probe.mjs …`):
// on each line "gc" on stdin it collects garbage and writes the process memory as one JSON line
// on stderr, so the bot's own output (pino on stdout) is left as it is.
import process from 'node:process';
import { createInterface } from 'node:readline';

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'gc') return;
  globalThis.gc?.();
  globalThis.gc?.();
  process.stderr.write(`gc-probe ${JSON.stringify({ gc: typeof globalThis.gc === 'function', ...process.memoryUsage() })}\n`);
});

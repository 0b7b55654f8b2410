import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup: tests that run `npm start` or `node dist/…` need the compiled build of the
 * current source. `npm install` / `npm ci` build it (prepare); after an edit it is rebuilt here,
 * incrementally, only when a source file is newer than the last build.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const BUILD_INFO = path.join(repo, 'dist/.tsbuildinfo');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full !== path.join(repo, 'src/sandbox')) newest = Math.max(newest, newestSource(full));
    } else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

export default function buildDist(): void {
  const built = (() => {
    try {
      return statSync(BUILD_INFO).mtimeMs;
    } catch {
      return 0;
    }
  })();
  const sources = Math.max(newestSource(path.join(repo, 'src')), ...['tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(path.join(repo, f)).mtimeMs));
  if (sources <= built) return;
  execFileSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: repo, stdio: 'inherit' });
}

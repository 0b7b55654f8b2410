/**
 * `npm run sandbox`: the whole bot on this machine — the Tencent Cloud emulator, a local Slack
 * and the bot — and one URL to open. Ctrl-C stops everything.
 *   SANDBOX_PORT       port of the page (default 3300; 0 = any free port)
 *   SANDBOX_DATA_FILE  the sandbox's store (default data/sandbox-db.json), emptied at every start
 *   LOG_LEVEL          the bot's log level (default warn)
 */
import { startSandbox, SANDBOX_DEFAULTS, type Sandbox } from './sandbox.js';
import { stopOnSignal } from './stop-on-signal.js';

const port = Number(process.env.SANDBOX_PORT ?? 3300);
const dataFile = process.env.SANDBOX_DATA_FILE || SANDBOX_DEFAULTS.dataFile;

let sandbox: Sandbox;
try {
  sandbox = await startSandbox({ port, dataFile, logLevel: process.env.LOG_LEVEL ?? 'warn' });
} catch (error) {
  const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
  console.error(
    inUse
      ? `tkeops sandbox: port ${port} is in use; set SANDBOX_PORT to another port (0 = any free port).`
      : `tkeops sandbox cannot start:\n${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}

console.log(`tkeops sandbox is running — open ${sandbox.url}`);
console.log(
  `  (a local Slack, the Tencent Cloud emulator and the bot; state in ${dataFile}, fresh at every start. Ctrl-C stops everything.)`,
);

stopOnSignal(
  () => sandbox.stop(),
  (signal) => console.log(`${signal}: stopping the sandbox`),
);

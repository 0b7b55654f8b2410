import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { groupAlive } from './processes.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface BotProcess {
  /** The process spawned (npm for `npm start`), leader of its own process group. */
  pid: number;
  /** http://127.0.0.1:<port> the bot listens on. */
  url: string;
  /** Every log line the bot printed so far (pino JSON, one object per line). */
  lines(): string[];
  /** Resolves with the exit code (or signal) once every process holding the output pipes has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the whole group if anything is left (test clean-up). */
  kill(): void;
}

/**
 * Starts the compiled bot as production does — `npm start` or `node dist/index.js` — in its own
 * process group, with PORT=0 and only the given variables, and waits for its "listening" log line.
 */
export async function spawnBot(how: 'npm start' | 'node', env: Record<string, string>, options: { startTimeoutMs?: number } = {}): Promise<BotProcess> {
  const { PATH, HOME } = process.env;
  const [command, args] = how === 'npm start' ? ['npm', ['start', '--silent']] : [process.execPath, ['dist/index.js']];
  const child: ChildProcess = spawn(command as string, args as string[], {
    cwd: REPO,
    detached: true,
    env: { PATH: PATH ?? '', HOME: HOME ?? '', DOTENV_CONFIG_PATH: '/nonexistent/.env', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid as number;
  const lines: string[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const kill = () => {
    if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  let port: number | undefined;
  while (port === undefined) {
    const listening = lines.map((line) => /"port":(\d+)/.exec(line)).find((match) => match);
    if (listening) port = Number(listening[1]);
    else if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      throw new Error(`the bot did not start:\n${stderr}\n${lines.join('\n')}`);
    } else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { pid, url: `http://127.0.0.1:${port}`, lines: () => lines, exited, kill };
}

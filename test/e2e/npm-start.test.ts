import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `npm start` as a newcomer would, with only the given variables set (and no .env file). */
function npmStart(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const { PATH, HOME } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent'], {
      cwd: repo,
      env: { PATH: PATH ?? '', HOME: HOME ?? '', DOTENV_CONFIG_PATH: '/nonexistent/.env', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('npm start', () => {
  it('exits 1 naming the missing Slack variables and where the README explains them', async () => {
    const { code, stderr } = await npmStart({});
    expect(code).toBe(1);
    expect(stderr).toContain('Missing SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET');
    expect(stderr).toContain('README.md, section "Create the Slack app"');
  });

  it('refuses a bad PORT by name', async () => {
    const { code, stderr } = await npmStart({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: 'abc' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^PORT: /m);
  });
});

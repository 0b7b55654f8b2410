import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TkeopsApp } from '../../src/app.js';
import { bootstrap } from '../../src/bootstrap.js';
import { loadConfig, type Config } from '../../src/config.js';
import { SANDBOX_ACCOUNT, startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { groupAlive, leftRunning } from '../support/processes.js';
import { mariadbRelease } from '../support/releases.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const MIA = 'U0MEMBER1';
const PLATFORM = 'C0PLATFORM';

let dir: string;
let sandbox: Sandbox | undefined;
/** What production's bootstrap was given and returned, watched through the sandbox's bootstrap option. */
let built: { config: Config; bot: TkeopsApp }[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-sandbox-'));
  built = [];
});
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
  await rm(dir, { recursive: true, force: true });
});

const start = async () => {
  sandbox = await startSandbox({
    port: 0,
    dataFile: path.join(dir, 'sandbox-db.json'),
    logLevel: 'silent',
    bootstrap: async (config, overrides) => {
      const bot = await bootstrap(config, overrides);
      built.push({ config, bot });
      return bot;
    },
  });
  return sandbox;
};

const refused = async (url: string) => {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return false;
  } catch {
    return true;
  }
};

const DEMO_TARGET = { credential: { secretId: SANDBOX_ACCOUNT.secretId, secretKey: SANDBOX_ACCOUNT.secretKey }, region: 'ap-guangzhou' };
/** A cluster created in the sandbox's emulator through the bot's own gateway, with the demo account. */
const createDemoCluster = async (bot: TkeopsApp, name: string) =>
  (
    await bot.tke.createCluster(DEMO_TARGET, {
      name,
      description: '',
      kubernetesVersion: '1.28.3',
      runtime: { containerRuntime: 'containerd' },
      os: 'ubuntu18.04.1x86_64',
      vpcId: 'vpc-gzdemo01',
      network: { mode: 'GR', clusterCidr: '10.200.0.0/16' },
      tags: [],
    })
  ).clusterId;

describe('the sandbox', () => {
  it("starts the bot through production's bootstrap and createApp, with only the configuration changed", async () => {
    const { bot, config, slack, tencent } = await start();
    expect(built).toHaveLength(1);
    expect(bot).toBe(built[0]?.bot);
    expect(bot.app).toBeInstanceOf(App);
    const production = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-production', SLACK_SIGNING_SECRET: 'secret' });
    expect(Object.keys(config).sort()).toEqual([...Object.keys(production), 'tencentEndpoint', 'masterKey'].sort());
    expect(config).toMatchObject({
      slack: { apiUrl: slack.apiUrl },
      tencentEndpoint: tencent.url,
      dataFile: path.join(dir, 'sandbox-db.json'),
      policyFile: 'data/sandbox/policy.yaml',
      profilesDir: production.profilesDir,
      watchSchedule: '*/2 * * * * *',
      forceDeleteAfterMs: 60_000,
    });
  });

  it('answers /tke help typed on the page with the real bot’s help, only to that person', async () => {
    const { slack } = await start();
    expect(await slack.interactions.send({ user: MIA, channel: PLATFORM, text: '/tke help' })).toEqual({ ok: true });
    const [answer] = slack.state.allMessages();
    expect(answer).toMatchObject({ user: 'U0BOT', ephemeral_to: MIA });
    expect(JSON.stringify(answer?.blocks ?? answer?.text)).toContain('/tke create');
  });

  it('registers the demo Tencent account in the bot, validated by the emulator', async () => {
    const { bot, tencent } = await start();
    expect(bot.services.accounts.list()).toEqual([expect.objectContaining({ name: SANDBOX_ACCOUNT.name, scope: { kind: 'tenant' } })]);
    expect(tencent.requests.some((r) => r.secretId === SANDBOX_ACCOUNT.secretId)).toBe(true);
  });

  it("shows each person's role from the sandbox policy in the user picker", async () => {
    const { url } = await start();
    const state = (await (await fetch(`${url}/sandbox/state`)).json()) as { users: { realName: string; title: string }[] };
    expect(Object.fromEntries(state.users.map((u) => [u.realName, u.title]))).toEqual({
      'Mia Member': 'member',
      'Pat Admin': 'platform admin, payments admin',
      'Tess Tenant': 'tenant admin',
      'Owen Oncall': 'on-call',
    });
  });

  it('makes the next deletion get stuck in Tencent from the page’s control', async () => {
    const { url, bot, tencent } = await start();
    const answer = (await (await fetch(`${url}/sandbox/controls/stick-next-deletion`, { method: 'POST' })).json()) as { ok: boolean };
    expect(answer.ok).toBe(true);
    const clusterId = await createDemoCluster(bot, 'stuck-1');
    await bot.tke.deleteCluster(DEMO_TARGET, clusterId, { terminateInstances: true, terminateDisks: true });
    expect(tencent.cluster(clusterId)?.deletion?.stuck).toBe(true);
  });

  it('makes the next endpoint and the next add-on fail in Tencent from the page’s controls', async () => {
    sandbox = await startSandbox({ port: 0, dataFile: path.join(dir, 'sandbox-db.json'), logLevel: 'silent', timings: { clusterCreateMs: 0, endpointCreateMs: 0, addonInstallMs: 0 } });
    const { url, bot } = sandbox;
    for (const control of ['fail-next-endpoint', 'fail-next-add-on']) {
      const answer = (await (await fetch(`${url}/sandbox/controls/${control}`, { method: 'POST' })).json()) as { ok: boolean };
      expect(answer.ok).toBe(true);
    }
    const clusterId = await createDemoCluster(bot, 'broken-1');
    await bot.tke.createClusterEndpoint(DEMO_TARGET, { clusterId, access: 'public' });
    await bot.tke.createClusterRelease(DEMO_TARGET, mariadbRelease(clusterId));

    expect(await bot.tke.describeClusterEndpointStatus(DEMO_TARGET, clusterId, 'public')).toEqual({
      status: 'CreateFailed',
      error: 'The sandbox was asked to fail this endpoint.',
    });
    expect(await bot.tke.describeClusterPendingReleases(DEMO_TARGET, clusterId)).toEqual([
      { name: 'mariadb', namespace: 'default', status: 'failed', condition: 'The sandbox was asked to fail this add-on pack.' },
    ]);
  });

  it('stops cleanly: the page, the bot and the emulator stop listening', async () => {
    const { url, tencent, botUrl, stop } = await start();
    await stop();
    sandbox = undefined;
    expect(await refused(url)).toBe(true);
    expect(await refused(tencent.url)).toBe(true);
    expect(await refused(botUrl)).toBe(true);
  });

  it('never touches the production store', async () => {
    const production = path.join(repo, 'data/db.json');
    const before = existsSync(production) ? statSync(production).mtimeMs : undefined;
    const { config } = await start();
    expect(path.resolve(config.dataFile)).not.toBe(production);
    expect(existsSync(production) ? statSync(production).mtimeMs : undefined).toBe(before);
  });
});

describe('npm run sandbox', () => {
  it('prints one URL whose page shows the workspace channels, and stops the whole process tree on Ctrl-C', async () => {
    // Its own process group, as in a terminal, so Ctrl-C (SIGINT to the group) reaches npm, tsx and the sandbox alike.
    const child = spawn('npm', ['run', 'sandbox', '--silent'], {
      cwd: repo,
      detached: true,
      env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_DATA_FILE: path.join(dir, 'db.json'), LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pgid = child.pid as number;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // 'close' comes once every process holding the pipes (npm, tsx, the sandbox) has exited.
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    try {
      const deadline = Date.now() + 15_000;
      while (!/open (http:\/\/\S+)/.test(stdout) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const urls = stdout.match(/https?:\/\/\S+/g) ?? [];
      expect(urls).toHaveLength(1);
      const url = urls[0] as string;

      const page = await fetch(url);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('<title>tkeops sandbox</title>');
      const state = (await (await fetch(`${url}/sandbox/state`)).json()) as { channels: { id: string; name: string }[] };
      expect(state.channels.map((c) => c.name)).toEqual(['platform', 'platform-private', 'payments', 'general']);

      process.kill(-pgid, 'SIGINT');
      await closed;
      expect(stdout).toContain('SIGINT: stopping the sandbox');
      // A failed stop prints its error and exits 1 (stop-on-signal.ts): nothing on stderr means a clean exit.
      expect(stderr).toBe('');
      expect(await leftRunning(pgid)).toEqual([]);
      expect(await refused(url)).toBe(true);
    } finally {
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    }
  });
});

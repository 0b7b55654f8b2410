import { access, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModalView } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import { rotateMasterKey } from '../../src/services/key-rotation.js';
import { STORE_WRITE_PROBLEM } from '../../src/slack/store-write-errors.js';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds } from '../../src/views/ids.js';
import { CHANNELS, startTestBot, TENCENT, USERS, type TestBot, type TestBotOptions } from '../support/bot.js';
import { aSpec } from '../support/clusters.js';
import type { SlackCall } from '../support/fake-slack.js';
import { fullDisk, type FullDisk } from '../support/full-disk.js';
import { viewSubmission } from '../support/payloads.js';
import { storeOnDisk, storeFilesText } from '../support/store-files.js';

const TICK_MS = 15_000;
const DAY_MS = 24 * 60 * 60_000;
const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');

let t: TestBot | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});
const bot = () => t as TestBot;
const record = (id: string) => bot().bot.store.read((data) => data.clusters.find((c) => c.id === id)) as ClusterRecord;
const text = (call: SlackCall | undefined) => String(call?.body.text ?? '');
/** db.json as it is on disk. */
const stored = () => storeOnDisk(bot().dataFile);

async function tick(): Promise<void> {
  await bot().bot.watcher.tick(bot().clock.now());
  await bot().bot.services.threads.idle();
}

/** prod-1 Running, made the real way: an account validated against the emulator, Deploy, the watcher ticking until Tencent has it Running. */
async function runningCluster(options: TestBotOptions = {}): Promise<ClusterRecord> {
  t = await startTestBot(options);
  const { services } = t.bot;
  const added = await services.accounts.add(
    { name: 'acme-prod', description: '', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
    USERS.projectAdmin,
  );
  if (!added.ok) throw new Error(`account not added: ${JSON.stringify(added.errors)}`);
  const draft = await services.drafts.create({ userId: USERS.member, channel: CHANNELS.platform, project: 'platform' });
  const { cluster } = await services.deploy.deploy({ draftId: draft.id, spec: aSpec({ name: 'prod-1', accountId: added.account.id }), user: USERS.member });
  await services.threads.announce(cluster.id);
  for (let i = 0; i < 40 && record(cluster.id).status !== 'Running'; i++) {
    bot().clock.advance(TICK_MS);
    await tick();
  }
  if (record(cluster.id).status !== 'Running') throw new Error(`prod-1 is ${record(cluster.id).status}, not Running`);
  bot().tencent.clearRequests();
  return record(cluster.id);
}

/** `/tke delete prod-1` as the project admin, then the name typed back; the HTTP answer to the submission. */
async function deleteProd1() {
  const before = bot().slack.calls('views.open').length;
  await bot().send.command('delete prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
  const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > before);
  const view = calls.filter((c) => c.method === 'views.open').at(-1)?.body.view as ModalView;
  return bot().send.viewSubmission(viewSubmission({ user: USERS.projectAdmin, view, viewId: `V0DELETE${before}`, input: { [ActionIds.deleteConfirmName]: 'prod-1' } }));
}

/** `/tke status prod-1` as the project admin: the overview posted to the response URL. */
async function status(): Promise<string> {
  const before = bot().slack.calls('response_url').length;
  await bot().send.command('status prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
  const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'response_url').length > before);
  return JSON.stringify(calls.filter((c) => c.method === 'response_url').at(-1)?.body ?? {});
}

/** The first private answer (response_url or ephemeral) containing `words`. */
async function privateAnswer(words: string): Promise<SlackCall> {
  const told = (c: SlackCall) => (c.method === 'response_url' || c.method === 'chat.postEphemeral') && text(c).includes(words);
  return (await bot().slack.waitFor((all) => all.some(told))).find(told) as SlackCall;
}

describe('a full disk', () => {
  it('refuses a delete confirmation with a private error: /tke status still says Running, Tencent got no DeleteCluster; once there is room the same delete goes through', async () => {
    const disk: FullDisk = fullDisk();
    const cluster = await runningCluster({ storeFiles: disk });

    disk.full = true;
    const answer = await deleteProd1();
    expect(answer.status).toBe(200);
    const told = await privateAnswer('Deleting prod-1 did not start');
    expect(text(told)).toContain('try again');
    expect(disk.refused).toBeGreaterThan(0);
    expect(bot().tencent.requestsFor('DeleteCluster')).toHaveLength(0);
    expect(record(cluster.id).status).toBe('Running');
    expect(await status()).toContain('Running');
    expect(await status()).not.toContain('Deleting');

    disk.full = false;
    const again = await deleteProd1();
    expect(again.status).toBe(200);
    await bot().slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && text(c).includes('approved the deletion')));
    expect(bot().tencent.requestsFor('DeleteCluster')).toHaveLength(1);
    expect(record(cluster.id).status).toBe('Deleting');
    expect(await status()).toContain('Deleting');
  });
});

describe('a full disk, on a slash command that writes before its ack', () => {
  it('/tke create answers privately that nothing could be saved (not an HTTP 500), and opens the wizard once there is room', async () => {
    const disk: FullDisk = fullDisk();
    t = await startTestBot({ storeFiles: disk });
    disk.full = true;
    const reply = await t.send.command('create', { user: USERS.member, channel: CHANNELS.platform });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ response_type: 'ephemeral', text: STORE_WRITE_PROBLEM });
    expect(t.slack.calls('views.open')).toHaveLength(0);

    disk.full = false;
    expect((await t.send.command('create', { user: USERS.member, channel: CHANNELS.platform })).status).toBe(200);
    await t.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
  });
});

describe('the master key', () => {
  it('a start with another key stops with a message saying the key differs from the store\'s, and changes nothing', async () => {
    await runningCluster({ env: { TKEOPS_MASTER_KEY: KEY_A } });
    const before = await storeFilesText(bot().dataFile);
    await expect(bot().restart({ TKEOPS_MASTER_KEY: KEY_B })).rejects.toThrow(
      `The master key (TKEOPS_MASTER_KEY) differs from the one the store ${bot().dataFile} was written with`,
    );
    await expect(bot().restart({ TKEOPS_MASTER_KEY: KEY_B })).rejects.toThrow('Set TKEOPS_MASTER_KEY to the key the store was written with, or restore its master.key file');
    expect(await storeFilesText(bot().dataFile)).toBe(before);
  });

  it('rotated (TKEOPS_MASTER_KEY): the old key is refused, the new one starts, and Tencent accepts the account\'s requests (DeleteCluster signed with its Secret Key)', async () => {
    const cluster = await runningCluster({ env: { TKEOPS_MASTER_KEY: KEY_A } });
    await bot().stopBot();
    const rotation = await rotateMasterKey({ dataFile: bot().dataFile, masterKey: KEY_A, newMasterKey: KEY_B });
    expect(rotation.accounts).toBe(1);
    expect(rotation.message).toContain('Set TKEOPS_MASTER_KEY to the value of TKEOPS_NEW_MASTER_KEY');
    expect(await storeFilesText(bot().dataFile)).not.toContain(TENCENT.secretKey);

    await expect(bot().restart({ TKEOPS_MASTER_KEY: KEY_A })).rejects.toThrow('differs from the one the store');
    t = await bot().restart({ TKEOPS_MASTER_KEY: KEY_B });
    expect((await deleteProd1()).status).toBe(200);
    await bot().slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && text(c).includes('approved the deletion')));
    expect(bot().tencent.requestsFor('DeleteCluster')).toHaveLength(1);
    expect(record(cluster.id).status).toBe('Deleting');
  });

  it('rotated (key file): master.key is the new key, the old one is kept as master.key.old, and the watcher still follows the cluster with the account', async () => {
    const cluster = await runningCluster();
    const keyFile = path.join(bot().dir, 'master.key');
    const oldKey = await readFile(keyFile, 'utf8');
    await bot().stopBot();
    const rotation = await rotateMasterKey({ dataFile: bot().dataFile });
    expect(rotation.message).toContain(`The new key is in ${keyFile}; the old one is kept as ${keyFile}.old`);
    expect(await readFile(`${keyFile}.old`, 'utf8')).toBe(oldKey);
    expect(await readFile(keyFile, 'utf8')).not.toBe(oldKey);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);

    t = await bot().restart();
    expect((await deleteProd1()).status).toBe(200);
    await bot().slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && text(c).includes('approved the deletion')));
    // The watcher asks Tencent with the account (decrypted with the new key) and sees the cluster gone.
    for (let i = 0; i < 20 && record(cluster.id).status === 'Deleting'; i++) {
      bot().clock.advance(TICK_MS);
      await tick();
    }
    expect(record(cluster.id).status).toBe('Deleted');
  });
});

describe('the archive', () => {
  it('takes a cluster deleted more than HISTORY_DAYS ago out of db.json into archive/clusters-YYYY-MM.jsonl, and /tke status still says it was deleted', async () => {
    const cluster = await runningCluster({ env: { HISTORY_DAYS: '30' } });
    await deleteProd1();
    await bot().slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && text(c).includes('approved the deletion')));
    for (let i = 0; i < 20 && record(cluster.id).status === 'Deleting'; i++) {
      bot().clock.advance(TICK_MS);
      await tick();
    }
    expect(record(cluster.id).status).toBe('Deleted');
    const deletedAt = record(cluster.id).deletion?.deletedAt as string;

    // 29 days on: still in the file.
    bot().clock.advance(29 * DAY_MS);
    t = await bot().restart();
    expect((await stored()).clusters.map((c) => c.id)).toEqual([cluster.id]);

    // 31 days on, the next start archives it.
    bot().clock.advance(2 * DAY_MS);
    t = await bot().restart();
    expect((await stored()).clusters).toEqual([]);
    const archive = path.join(bot().dir, 'archive');
    const month = `clusters-${deletedAt.slice(0, 7)}.jsonl`;
    expect(await readdir(archive)).toContain(month);
    expect(await readFile(path.join(archive, month), 'utf8')).toContain(cluster.id);
    expect((await stat(path.join(archive, month))).mode & 0o777).toBe(0o600);
    // Its audit entries (account added, create, delete) are archived with it.
    expect((await stored()).audit).toEqual([]);
    await access(path.join(archive, `audit-${cluster.createdAt.slice(0, 7)}.jsonl`));

    const shown = await status();
    expect(shown).toContain('prod-1');
    expect(shown).toContain('Deleted');
    // The name is free again: /tke create prod-1 is not refused for it.
    expect(await bot().bot.services.clusterLookup.isNameTaken('platform', 'prod-1')).toBe(false);
  });
});

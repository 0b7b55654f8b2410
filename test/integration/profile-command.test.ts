import type { KnownBlock } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestBot, type TestBot } from '../support/bot.js';

describe('/tke profile', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  const textOf = (reply: { json: Record<string, unknown> | undefined }) =>
    ((reply.json?.blocks as KnownBlock[] | undefined) ?? []).map((b) => (b.type === 'section' ? (b.text?.text ?? '') : '')).join('\n');

  it('lists the shipped cluster profiles with their OS image, Kubernetes version and runtime, network and add-ons', async () => {
    t = await startTestBot();
    const reply = await t.send.command('profile list');
    expect(reply.json?.response_type).toBe('ephemeral');
    const text = textOf(reply);
    for (const name of ['centos-gpu', 'ubuntu-mariadb', 'ubuntu-standard']) expect(text).toContain(`*${name}*`);
    expect(text).toContain('OS `centos7.6.0_x64 GPU` · Kubernetes 1.28.3 on containerd · network');
    expect(text).toContain('`mariadb` (mariadb 20.0.0)');
  });

  it("shows one profile's packs with the values the wizard pre-fills", async () => {
    t = await startTestBot();
    const text = textOf(await t.send.command('profile show ubuntu-mariadb'));
    expect(text).toContain('OS pack `ubuntu`');
    expect(text).toContain('OsName: ubuntu18.04.1x86_64');
    expect(text).toContain('Add-on pack `mariadb`');
    expect(text).toContain('size: 20Gi');
  });

  it('says so when the profile does not exist', async () => {
    t = await startTestBot();
    const reply = await t.send.command('profile show nope');
    expect(reply.json).toMatchObject({ response_type: 'ephemeral', text: 'There is no cluster profile named nope. `/tke profile list` shows them.' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot, type TestBot } from '../support/bot.js';

describe('/tke over signed HTTP', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('answers /tke help with an ephemeral list of every subcommand', async () => {
    const reply = await t.send.command('help');
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ response_type: 'ephemeral' });
    for (const sub of ['create', 'delete', 'status', 'list', 'account', 'profile', 'help']) {
      expect(JSON.stringify(reply.json?.blocks)).toContain(`/tke ${sub}`);
    }
  });

  it('answers an unknown subcommand with the help, naming what was typed', async () => {
    const reply = await t.send.command('frobnicate now');
    expect(reply.json).toMatchObject({ response_type: 'ephemeral' });
    expect(String(reply.json?.text)).toContain('/tke frobnicate');
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('answers /tke %s (a member every object inherits) with the help, acknowledged', async (typed) => {
    const reply = await t.send.command(`${typed} prod-1`);
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ response_type: 'ephemeral' });
    expect(String(reply.json?.text)).toContain(`I don't know \`/tke ${typed.toLowerCase()}\``);
    expect(JSON.stringify(reply.json?.blocks)).toContain('/tke status');
  });

  it.each([
    ['status', '`/tke status &lt;cluster&gt;`'],
    ['delete', '`/tke delete &lt;cluster&gt;`'],
    ['profile', '`/tke profile show &lt;name&gt;`'],
    ['account', '`/tke account remove &lt;name&gt; [tenant|project]`'],
  ])('shows the placeholder of /tke %s literally in its usage reply, not as a Slack link', async (subcommand, usage) => {
    const reply = await t.send.command(subcommand === 'account' ? 'account frob' : subcommand);
    expect(reply.json).toMatchObject({ response_type: 'ephemeral' });
    expect(String(reply.json?.text)).toContain(usage);
    expect(String(reply.json?.text)).not.toMatch(/<(cluster|name)>/);
  });

  it('refuses a request with a wrong signature: 401 and no reply anywhere', async () => {
    const before = t.slack.calls().length;
    const reply = await t.send.command('help', { signingSecret: 'not-the-secret' });
    expect(reply.status).toBe(401);
    expect(reply.json?.blocks).toBeUndefined();
    expect(t.slack.calls()).toHaveLength(before);
  });

  it('refuses a correctly signed request whose timestamp is six minutes old', async () => {
    const reply = await t.send.command('help', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(reply.status).toBe(401);
    expect(reply.json?.blocks).toBeUndefined();
  });
});

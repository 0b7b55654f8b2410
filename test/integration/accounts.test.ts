import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { KnownBlock, ModalView } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/services/secrets.js';
import { accountModal } from '../../src/views/account-modal.js';
import { ActionIds, BlockIds } from '../../src/views/ids.js';
import { CHANNELS, DEFAULT_POLICY_YAML, ON_CALL_GROUP, startTestBot, TENCENT, USERS, type TestBot } from '../support/bot.js';
import { aCluster, aSpec } from '../support/clusters.js';
import { viewSubmission, type UserInput } from '../support/payloads.js';
import { policyRefusalText } from '../../src/views/policy-refusals.js';
import { storeFilesText } from '../support/store-files.js';

const SECOND = { secretId: 'AKIDtestaccount0002', secretKey: 'second-secret-key-0002' };

describe('cloud accounts over Slack', () => {
  let t: TestBot;
  let running: TestBot | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });
  const start = async (options: Parameters<typeof startTestBot>[0] = {}) => {
    t = await startTestBot(options);
    running = t;
    t.tencent.registerAccount(SECOND);
    return t;
  };

  /** Runs `/tke account add` and returns the modal the bot opened; the command's response_url is `/response/add-<user>`. */
  async function openModal(user: string, channel: string = CHANNELS.platform): Promise<ModalView> {
    const before = t.slack.calls('views.open').length;
    const responseUrl = `${t.slack.url}/response/add-${user}`;
    const reply = await t.send.command('account add', { user, channel, triggerId: `trigger-${user}`, responseUrl });
    expect(reply.text).toBe('');
    const calls = await t.slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > before);
    const open = calls.filter((c) => c.method === 'views.open').at(-1);
    expect(open?.body.trigger_id).toBe(`trigger-${user}`);
    return open?.body.view as ModalView;
  }

  const fill = (fields: { name?: string; description?: string; secretId?: string; secretKey?: string; scope?: string }): UserInput => ({
    [ActionIds.accountName]: fields.name ?? 'prod',
    [ActionIds.accountDescription]: fields.description ?? null,
    [ActionIds.accountSecretId]: fields.secretId ?? TENCENT.secretId,
    [ActionIds.accountSecretKey]: fields.secretKey ?? TENCENT.secretKey,
    ...(fields.scope ? { [ActionIds.accountScope]: fields.scope } : {}),
  });

  const submit = (user: string, view: ModalView, input: UserInput) =>
    t.send.viewSubmission(viewSubmission({ user, view, viewId: 'V0ACCOUNT1', input }));

  const accounts = () => t.bot.store.read((data) => data.accounts);
  /** What the bot posted to a response_url (its answer after the ack): the one at `path` (`/response/…`). */
  const answered = async (path: string) =>
    (await t.slack.waitFor((calls) => calls.some((c) => c.method === 'response_url' && c.body.response_url === path))).find(
      (c) => c.method === 'response_url' && c.body.response_url === path,
    )?.body;
  /** `/tke account remove …` with its own response_url, answered at `/response/remove`. */
  const removeCommand = (text: string, user: string) => t.send.command(text, { user, responseUrl: `${t.slack.url}/response/remove` });
  const scopeOptions = (view: ModalView) => {
    const block = (view.blocks as KnownBlock[]).find((b) => b.block_id === BlockIds.accountScope);
    return block?.type === 'input' && block.element.type === 'radio_buttons' ? block.element.options.map((o) => o.value) : [];
  };

  describe('adding an account', () => {
    it('opens the modal for a tenant admin with both the tenant and the project scope', async () => {
      await start();
      const view = await openModal(USERS.tenantAdmin);
      expect(view).toMatchObject({ type: 'modal', title: { text: 'Add cloud account' } });
      expect(scopeOptions(view)).toEqual(['tenant', 'project']);
    });

    it("shows a project admin only the channel's project scope", async () => {
      await start();
      expect(scopeOptions(await openModal(USERS.projectAdmin))).toEqual(['project']);
    });

    it('calls Tencent with the submitted credentials and saves the account encrypted', async () => {
      await start();
      const view = await openModal(USERS.tenantAdmin);
      const reply = await submit(USERS.tenantAdmin, view, fill({ description: 'Production', scope: 'tenant' }));
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('');
      expect(t.tencent.requestsFor('DescribeRegions').map((r) => [r.secretId, r.errorCode])).toEqual([[TENCENT.secretId, undefined]]);
      const [saved] = accounts();
      expect(saved).toMatchObject({ name: 'prod', description: 'Production', scope: { kind: 'tenant' }, addedBy: USERS.tenantAdmin });
      expect(saved?.secretKey).toEqual({ iv: expect.any(String), tag: expect.any(String), data: expect.any(String) });
      expect(t.bot.services.accounts.credentialFor(saved?.id ?? '')).toEqual(TENCENT);
    });

    it('never lets the plain Secret Key reach db.json, Slack, the logs or the audit trail', async () => {
      await start();
      const view = await openModal(USERS.tenantAdmin);
      const reply = await submit(USERS.tenantAdmin, view, fill({ scope: 'tenant' }));
      await answered(`/response/add-${USERS.tenantAdmin}`);
      await t.send.command('account list', { user: USERS.tenantAdmin });

      expect(accounts()).toHaveLength(1);
      expect(await storeFilesText(t.dataFile)).not.toContain(TENCENT.secretKey);
      expect(JSON.stringify(t.slack.calls())).not.toContain(TENCENT.secretKey);
      expect(reply.text).not.toContain(TENCENT.secretKey);
      expect(t.logs.length).toBeGreaterThan(0);
      expect(t.logs.join('\n')).not.toContain(TENCENT.secretKey);
      expect(JSON.stringify(t.bot.store.read((data) => data.audit))).not.toContain(TENCENT.secretKey);
    });

    it('writes an audit entry naming who added which account', async () => {
      await start();
      await submit(USERS.tenantAdmin, await openModal(USERS.tenantAdmin), fill({ scope: 'tenant' }));
      expect(t.bot.store.read((data) => data.audit)).toEqual([
        expect.objectContaining({
          actor: USERS.tenantAdmin,
          action: 'account.add',
          detail: { name: 'prod', scope: 'tenant', secretId: 'AKID****0001' },
        }),
      ]);
    });

    const SAVED_PLAT = 'Cloud account *plat* (project platform, `AKID****0001`) is saved: Tencent accepted its credentials.';

    it("tells the user, ephemerally through the command's response URL, that the account is saved, with the Secret ID masked", async () => {
      await start();
      await submit(USERS.projectAdmin, await openModal(USERS.projectAdmin), fill({ name: 'plat' }));
      expect(await answered(`/response/add-${USERS.projectAdmin}`)).toMatchObject({
        response_type: 'ephemeral',
        replace_original: false,
        text: SAVED_PLAT,
      });
      expect(t.slack.calls('chat.postEphemeral')).toEqual([]);
    });

    describe('in a private channel tkeops was not invited to', () => {
      const PRIVATE = 'C0PRIVATE';
      const startPrivate = async () => {
        await start({ policyYaml: DEFAULT_POLICY_YAML.replace(`channels: [${CHANNELS.platform}]`, `channels: [${CHANNELS.platform}, ${PRIVATE}]`) });
        t.slack.addChannel({ id: PRIVATE, name: 'platform-private', private: true, botIsMember: false });
      };

      it("says the account is saved through the command's response URL, which works there", async () => {
        await startPrivate();
        await submit(USERS.projectAdmin, await openModal(USERS.projectAdmin, PRIVATE), fill({ name: 'plat' }));
        expect(await answered(`/response/add-${USERS.projectAdmin}`)).toMatchObject({ response_type: 'ephemeral', text: SAVED_PLAT });
        expect(t.slack.calls('chat.postEphemeral')).toEqual([]);
      });

      it('says it in a direct message once the response URL is too old, since Slack refuses the ephemeral message there', async () => {
        await startPrivate();
        const view = await openModal(USERS.projectAdmin, PRIVATE);
        // The form stayed open 26 minutes: Slack takes a response URL for 30, tkeops stops at 25.
        t.clock.advance(26 * 60_000);
        const reply = await submit(USERS.projectAdmin, view, fill({ name: 'plat' }));
        expect(reply.text).toBe('');

        const calls = await t.slack.waitFor((all) => all.some((c) => c.method === 'chat.postMessage'));
        expect(calls.filter((c) => c.method === 'response_url')).toEqual([]);
        expect(t.slack.calls('chat.postEphemeral').map((c) => c.body)).toEqual([expect.objectContaining({ channel: PRIVATE, user: USERS.projectAdmin })]);
        expect(t.slack.calls('chat.postMessage').map((c) => c.body)).toEqual([expect.objectContaining({ channel: USERS.projectAdmin, text: SAVED_PLAT })]);
        expect(t.logs.some((l) => l.includes('An unhandled error occurred'))).toBe(false);
      });
    });

    it("answers a wrong Secret Key with Tencent's error inline on the Secret Key and saves nothing", async () => {
      await start();
      const view = await openModal(USERS.tenantAdmin);
      const reply = await submit(USERS.tenantAdmin, view, fill({ secretKey: 'not-the-right-key', scope: 'tenant' }));
      expect(reply.json).toEqual({
        response_action: 'errors',
        errors: { [BlockIds.accountSecretKey]: expect.stringContaining('AuthFailure.SignatureFailure') },
      });
      expect(reply.text).not.toContain('not-the-right-key');
      expect(t.logs.join('\n')).not.toContain('not-the-right-key');
      expect(accounts()).toEqual([]);
      expect(t.slack.calls('chat.postEphemeral')).toEqual([]);
    });

    it('answers field problems inline without calling Tencent', async () => {
      await start();
      const view = await openModal(USERS.tenantAdmin);
      const reply = await submit(USERS.tenantAdmin, view, fill({ name: 'two words', secretId: 'SECRET123456', scope: 'tenant' }));
      expect(reply.json).toEqual({
        response_action: 'errors',
        errors: {
          [BlockIds.accountName]: 'One word: letters, digits, dots, dashes or underscores.',
          [BlockIds.accountSecretId]: 'A Secret ID starts with AKID, followed by letters and digits (10–64 characters in all).',
        },
      });
      expect(t.tencent.requestsFor('DescribeRegions')).toEqual([]);
    });

    it('answers "Tencent did not answer in time" before Slack gives up at 3 s, and saves nothing', async () => {
      await start();
      const view = await openModal(USERS.tenantAdmin);
      t.tencent.latency('DescribeRegions', 4_000);
      const startedAt = Date.now();
      const reply = await submit(USERS.tenantAdmin, view, fill({ scope: 'tenant' }));
      const elapsedMs = Date.now() - startedAt;
      expect(reply.json).toEqual({
        response_action: 'errors',
        errors: { [BlockIds.accountSecretKey]: 'Tencent did not answer in time, try again.' },
      });
      // The Tencent budget is 1.8 s; the rest is room for signing, Bolt and a loaded machine.
      expect(elapsedMs).toBeLessThan(2_800);
      expect(accounts()).toEqual([]);
    });
  });

  describe('refusals', () => {
    it('refuses, ephemerally, a project member asking to add a tenant account, naming the tenant admins', async () => {
      await start();
      const reply = await t.send.command('account add tenant', { user: USERS.projectAdmin });
      expect(reply.json).toEqual({
        response_type: 'ephemeral',
        text: `Only tenant admins (<@${USERS.tenantAdmin}>) may add a tenant cloud account.`,
      });
      expect(t.slack.calls('views.open')).toEqual([]);
    });

    it('refuses, ephemerally, a project member who may add no account here, naming who may', async () => {
      await start();
      const reply = await t.send.command('account add', { user: USERS.member });
      expect(reply.json).toEqual({
        response_type: 'ephemeral',
        text:
          `Only the admins of project platform (<@${USERS.projectAdmin}>) and tenant admins (<@${USERS.tenantAdmin}>) ` +
          'may add a cloud account to project platform.',
      });
    });

    it('refuses a tenant-scope submission from a project admin inline, without calling Tencent or saving', async () => {
      await start();
      const view = await openModal(USERS.projectAdmin);
      // The modal offers no tenant option; a forged or stale submission says "tenant" anyway.
      const forged = viewSubmission({ user: USERS.projectAdmin, view, viewId: 'V0ACCOUNT1', input: fill({}) });
      const state = (forged.view as { state: { values: Record<string, Record<string, unknown>> } }).state.values;
      state[BlockIds.accountScope] = {
        [ActionIds.accountScope]: { type: 'radio_buttons', selected_option: { text: { type: 'plain_text', text: 'Tenant' }, value: 'tenant' } },
      };
      const reply = await t.send.viewSubmission(forged);
      expect(reply.json).toEqual({
        response_action: 'errors',
        errors: { [BlockIds.accountScope]: `Only tenant admins (<@${USERS.tenantAdmin}>) may add a tenant cloud account.` },
      });
      expect(t.tencent.requestsFor('DescribeRegions')).toEqual([]);
      expect(accounts()).toEqual([]);
    });

    it('refuses, ephemerally, adding an account from a channel of no project to anyone but tenant admins', async () => {
      await start();
      const reply = await t.send.command('account add', { user: USERS.projectAdmin, channel: CHANNELS.noProject });
      expect(reply.json?.response_type).toBe('ephemeral');
      expect(String(reply.json?.text)).toMatch(
        new RegExp(`^<#${CHANNELS.noProject}> belongs to no project, so only tenant admins \\(<@${USERS.tenantAdmin}>\\) may add a cloud account here\\.`),
      );
    });

    it('tells a tenant admin asking for a project cloud account in a channel of no project where to run it instead', async () => {
      await start();
      const reply = await t.send.command('account add project', { user: USERS.tenantAdmin, channel: CHANNELS.noProject });
      expect(reply.json?.response_type).toBe('ephemeral');
      expect(String(reply.json?.text)).toBe(
        `<#${CHANNELS.noProject}> belongs to no project, so no project cloud account can be added here. ` +
          'Run the command in a project channel, or `/tke account add tenant` for a tenant cloud account.',
      );
    });

    it("does not offer a project's account in another project's channel, and refuses its use there", async () => {
      await start();
      await submit(USERS.projectAdmin, await openModal(USERS.projectAdmin), fill({ name: 'plat' }));
      const [plat] = accounts();

      const list = await t.send.command('account list', { user: USERS.dataAdmin, channel: CHANNELS.data });
      expect(JSON.stringify(list.json)).not.toContain('plat');
      expect(t.bot.services.accounts.usableIn(CHANNELS.data, t.bot.services.policy)).toEqual([]);
      const decision = await t.bot.services.accounts.checkUse(plat?.id ?? '', { user: USERS.dataAdmin, channel: CHANNELS.data }, t.bot.services.policy);
      expect(decision).toEqual({ allowed: false, refusal: { kind: 'accountOfAnotherProject', project: 'platform', channels: [CHANNELS.platform] } });
      expect(decision.allowed ? '' : policyRefusalText(decision.refusal)).toBe(
        "This cloud account belongs to project platform: it can be used only from that project's channels (<#C0PLATFORM>), " +
          'by its members, its admins and tenant admins.',
      );
    });

    it('refuses, ephemerally, a project member removing an account, naming who may', async () => {
      await start();
      await submit(USERS.projectAdmin, await openModal(USERS.projectAdmin), fill({ name: 'plat' }));
      const reply = await t.send.command('account remove plat', { user: USERS.member });
      expect(reply.json).toEqual({
        response_type: 'ephemeral',
        text:
          `Only the admins of project platform (<@${USERS.projectAdmin}>) and tenant admins (<@${USERS.tenantAdmin}>) ` +
          'may remove a cloud account of project platform.',
      });
      expect(accounts()).toHaveLength(1);
    });
  });

  describe('names', () => {
    it('refuses a second account of the same name in one scope inline, without calling Tencent again', async () => {
      await start();
      await submit(USERS.tenantAdmin, await openModal(USERS.tenantAdmin), fill({ scope: 'tenant' }));
      t.tencent.clearRequests();
      const reply = await submit(USERS.tenantAdmin, await openModal(USERS.tenantAdmin), fill({ ...SECOND, scope: 'tenant' }));
      expect(reply.json).toEqual({
        response_action: 'errors',
        errors: { [BlockIds.accountName]: 'There is already a cloud account called prod in the tenant.' },
      });
      expect(t.tencent.requestsFor('DescribeRegions')).toEqual([]);
      expect(accounts()).toHaveLength(1);
    });

    it('allows the same name in two projects', async () => {
      await start();
      const first = await submit(USERS.projectAdmin, await openModal(USERS.projectAdmin), fill({ name: 'shared' }));
      const second = await submit(USERS.dataAdmin, await openModal(USERS.dataAdmin, CHANNELS.data), fill({ name: 'shared', ...SECOND }));
      expect([first.text, second.text]).toEqual(['', '']);
      expect(accounts().map((a) => [a.name, a.scope])).toEqual([
        ['shared', { kind: 'project', project: 'platform' }],
        ['shared', { kind: 'project', project: 'data' }],
      ]);
    });
  });

  describe('listing and removing', () => {
    it('lists the usable accounts ephemerally: name, scope, description, who added it, when validated, Secret ID masked', async () => {
      await start();
      await submit(USERS.tenantAdmin, await openModal(USERS.tenantAdmin), fill({ name: 'prod', description: 'Production', scope: 'tenant' }));
      const reply = await t.send.command('account list', { user: USERS.member });
      expect(reply.json?.response_type).toBe('ephemeral');
      const text = JSON.stringify(reply.json?.blocks);
      for (const expected of ['*prod*', 'tenant', 'Production', `<@${USERS.tenantAdmin}>`, 'AKID****0001', '<!date^1767258000^']) {
        expect(text).toContain(expected);
      }
      expect(text).not.toContain(TENCENT.secretId);
      expect(text).not.toContain(TENCENT.secretKey);
    });

    it('removes an account for a tenant admin: acknowledged at once, then said ephemerally through the response URL', async () => {
      await start();
      await submit(USERS.tenantAdmin, await openModal(USERS.tenantAdmin), fill({ scope: 'tenant' }));
      const reply = await removeCommand('account remove prod', USERS.tenantAdmin);
      expect(reply).toMatchObject({ status: 200, text: '' });
      expect(await answered('/response/remove')).toMatchObject({ response_type: 'ephemeral', text: 'Removed cloud account *prod* (tenant).' });
      expect(accounts()).toEqual([]);
    });

    it('refuses to remove an account a cluster still uses, naming the cluster', async () => {
      await start();
      await submit(USERS.tenantAdmin, await openModal(USERS.tenantAdmin), fill({ scope: 'tenant' }));
      const [prod] = accounts();
      await t.bot.store.update((data) => {
        data.clusters.push(aCluster({ spec: aSpec({ name: 'web', accountId: prod?.id ?? '' }), status: 'Running' }));
      });
      const reply = await removeCommand('account remove prod', USERS.tenantAdmin);
      expect(reply.text).toBe('');
      expect(await answered('/response/remove')).toMatchObject({
        response_type: 'ephemeral',
        text: 'Cloud account *prod* is still used by cluster web. Delete it first, then remove the cloud account.',
      });
      expect(accounts()).toHaveLength(1);
    });

    it('answers anything else with the usage, ephemerally', async () => {
      await start();
      const reply = await t.send.command('account rename prod');
      expect(reply.json).toEqual({
        response_type: 'ephemeral',
        text: 'Usage: `/tke account add [tenant|project]` · `/tke account list` · `/tke account remove &lt;name&gt; [tenant|project]`',
      });
    });
  });

  describe('from the cluster wizard', () => {
    it('saves the account and acknowledges with nothing, so Slack pops back to the wizard', async () => {
      await start();
      await t.bot.store.update((data) => {
        data.drafts.push({
          id: 'draft-1',
          userId: USERS.projectAdmin,
          channel: CHANNELS.platform,
          spec: {},
          createdAt: '2026-01-01T09:00:00.000Z',
          updatedAt: '2026-01-01T09:00:00.000Z',
        });
      });
      const view = accountModal({ origin: { kind: 'wizard', draftId: 'draft-1' }, scopes: [{ kind: 'project', project: 'platform' }] });
      const reply = await submit(USERS.projectAdmin, view, fill({ name: 'plat' }));
      expect(reply.text).toBe('');
      expect(accounts().map((a) => a.name)).toEqual(['plat']);
      expect(t.slack.calls('chat.postEphemeral')).toEqual([]);
    });

    it("shows an expired view when the wizard's draft is gone", async () => {
      await start();
      const view = accountModal({ origin: { kind: 'wizard', draftId: 'draft-gone' }, scopes: [{ kind: 'tenant' }] });
      const reply = await submit(USERS.tenantAdmin, view, fill({ scope: 'tenant' }));
      expect(reply.json).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
      expect(JSON.stringify(reply.json)).toContain('expired');
      expect(accounts()).toEqual([]);
    });
  });

  describe('the policy at start-up', () => {
    it('recognises an on-call user resolved through the Slack user group', async () => {
      await start();
      t.slack.setUserGroup(ON_CALL_GROUP, ['U0GROUPIE']);
      const { policy } = t.bot.services;
      expect(await policy.check('cluster.forceDelete', { user: 'U0GROUPIE', channel: CHANNELS.platform })).toEqual({ allowed: true });
      expect(t.slack.calls('usergroups.users.list').map((c) => c.body.usergroup)).toEqual([ON_CALL_GROUP]);
      expect((await policy.check('cluster.forceDelete', { user: USERS.member, channel: CHANNELS.platform })).allowed).toBe(false);
    });

    it('refuses to start with an unknown field in the policy file, naming the file and the field', async () => {
      const yaml = DEFAULT_POLICY_YAML.replace('tenantAdmins:', 'approvers: [U0TENANT1]\ntenantAdmins:');
      await expect(start({ policyYaml: yaml })).rejects.toThrow(/policy\.yaml: approvers: unknown field$/);
    });

    it('refuses to start with a bad user ID in the policy file, naming the file, the field and the value', async () => {
      const yaml = DEFAULT_POLICY_YAML.replace(`admins: [${USERS.projectAdmin}]`, `admins: [${USERS.projectAdmin}, bob]`);
      await expect(start({ policyYaml: yaml })).rejects.toThrow(/policy\.yaml: projects\[0\]\.admins\[1\]: "bob" is not a Slack user ID$/);
    });

    it('refuses to start with a TKEOPS_MASTER_KEY that is not 32 bytes, naming the variable', async () => {
      await expect(start({ env: { TKEOPS_MASTER_KEY: 'short' } })).rejects.toThrow(/^TKEOPS_MASTER_KEY must be a 32-byte key/);
    });

    it('encrypts with TKEOPS_MASTER_KEY when it is set', async () => {
      const key = randomBytes(32);
      await start({ env: { TKEOPS_MASTER_KEY: key.toString('base64') } });
      await submit(USERS.tenantAdmin, await openModal(USERS.tenantAdmin), fill({ scope: 'tenant' }));
      const [saved] = accounts();
      expect(createSecretBox(key).decrypt(saved?.secretKey ?? { iv: '', tag: '', data: '' })).toBe(TENCENT.secretKey);
      await expect(stat(path.join(t.dir, 'master.key'))).rejects.toThrow(/ENOENT/);
    });

    it('without TKEOPS_MASTER_KEY, keeps a 0600 key file next to the store, warns, and reads the accounts after a restart', async () => {
      await start();
      await submit(USERS.tenantAdmin, await openModal(USERS.tenantAdmin), fill({ scope: 'tenant' }));
      expect((await stat(path.join(t.dir, 'master.key'))).mode & 0o777).toBe(0o600);
      expect(t.logs.some((line) => line.includes('TKEOPS_MASTER_KEY is not set'))).toBe(true);
      const restarted = await t.restart();
      running = restarted;
      const [saved] = accounts();
      expect(restarted.bot.services.accounts.credentialFor(saved?.id ?? '')).toEqual(TENCENT);
    });
  });
});

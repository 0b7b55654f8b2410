import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds } from '../../src/views/ids.js';
import { CHANNELS, DEFAULT_POLICY_YAML, startTestBot, TENCENT, USERS, type TestBot } from '../support/bot.js';
import { aSpec } from '../support/clusters.js';
import type { SlackCall } from '../support/fake-slack.js';
import { messageBlockAction, viewSubmission } from '../support/payloads.js';
import type { ModalView } from '@slack/types';
import { storeFilesText } from '../support/store-files.js';

const TICK_MS = 15_000;

let t: TestBot | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const bot = () => t as TestBot;
const record = (id: string) => bot().bot.store.read((data) => data.clusters.find((c) => c.id === id)) as ClusterRecord;
const text = (call: SlackCall | undefined) => String(call?.body.text ?? '');
const blocksOf = (call: SlackCall | undefined) => JSON.stringify(call?.body.blocks ?? []);

async function tick(): Promise<void> {
  await bot().bot.watcher.tick(bot().clock.now());
  await bot().bot.services.threads.idle();
}

/** prod-1 deployed by the member (the real Deploy, thread announced), then ticked until it is Running or Failed. */
async function provisioned(
  options: { policyYaml?: string; endpointAccess?: 'public' | 'private-public'; failEndpoint?: string; profilesDir?: string; profile?: string } = {},
): Promise<ClusterRecord> {
  t = await startTestBot({ policyYaml: options.policyYaml ?? DEFAULT_POLICY_YAML, ...(options.profilesDir ? { env: { PROFILES_DIR: options.profilesDir } } : {}) });
  const { services } = t.bot;
  const added = await services.accounts.add(
    { name: 'acme-prod', description: '', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
    USERS.projectAdmin,
  );
  if (!added.ok) throw new Error(`account not added: ${JSON.stringify(added.errors)}`);
  if (options.failEndpoint) t.tencent.failNextEndpoint(options.failEndpoint);
  const draft = await services.drafts.create({ userId: USERS.member, channel: CHANNELS.platform, project: 'platform' });
  const spec = aSpec({ name: 'prod-1', accountId: added.account.id, endpointAccess: options.endpointAccess ?? 'public', ...(options.profile ? { profile: options.profile } : {}) });
  const { cluster } = await services.deploy.deploy({ draftId: draft.id, spec, user: USERS.member });
  await services.threads.announce(cluster.id);
  for (let i = 0; i < 40 && !['Running', 'Failed'].includes(record(cluster.id).status); i++) {
    t.clock.advance(TICK_MS);
    await tick();
  }
  return record(cluster.id);
}

/** `/tke <words>` as `user` in the platform channel; the ack's text and what the bot then sent to the response URL. */
async function command(words: string, user: string): Promise<{ ack: string; answer: SlackCall | undefined }> {
  const before = bot().slack.calls('response_url').length;
  const reply = await bot().send.command(words, { user, channel: CHANNELS.platform });
  const ack = String(reply.json?.text ?? reply.text);
  if (ack !== '') return { ack, answer: undefined };
  const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'response_url').length > before);
  return { ack, answer: calls.filter((c) => c.method === 'response_url').at(-1) };
}

const readyReply = () => bot().slack.calls('chat.postMessage').find((c) => text(c).includes(':tada:'));

describe('cluster access', () => {
  it('ends provisioning with a reply that mentions the requester, shows the API server and console link, and offers Get kubeconfig and Overview', async () => {
    const cluster = await provisioned();
    expect(cluster.status).toBe('Running');
    const vip = cluster.apiServer?.external;
    expect(vip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const ready = readyReply();
    expect(text(ready)).toContain(`<@${USERS.member}>`);
    const blocks = blocksOf(ready);
    expect(blocks).toContain(`https://${vip}`);
    expect(blocks).toContain(`https://console.cloud.tencent.com/tke2/cluster/sub/list/basic/info?rid=${cluster.spec.region}&clusterId=${cluster.tkeClusterId}`);
    expect(blocks).toContain(`"action_id":"${ActionIds.clusterKubeconfig}:public"`);
    expect(blocks).toContain(`"action_id":"${ActionIds.clusterOverview}"`);
  });

  it('sends the kubeconfig to the asking project admin only, as a file in their direct message, and nowhere else', async () => {
    const cluster = await provisioned();
    const { ack, answer } = await command('kubeconfig prod-1', USERS.projectAdmin);
    expect(ack).toBe('');
    expect(text(answer)).toContain('is in your direct messages');

    const requests = bot().tencent.requestsFor('DescribeClusterKubeconfig');
    expect(requests.map((r) => r.params)).toEqual([{ ClusterId: cluster.tkeClusterId, IsExtranet: true }]);
    const opened = bot().slack.calls('conversations.open');
    expect(opened.map((c) => c.body.users)).toEqual([USERS.projectAdmin]);
    const [upload] = bot().slack.calls('file_upload');
    const kubeconfig = String(upload?.body.content ?? '');
    expect(kubeconfig).toContain(`server: https://${cluster.apiServer?.external}`);
    expect(kubeconfig).toContain('client-key-data');
    const [completed] = bot().slack.calls('files.completeUploadExternal');
    expect(completed?.body.channel_id).toBe(`D${USERS.projectAdmin}`);
    expect(String(completed?.body.initial_comment)).toContain('admin credential');

    // Its content nowhere else: no other Slack call, no log line, not in db.json.
    const secretLine = kubeconfig.split('\n').find((line) => line.includes('client-key-data')) ?? '';
    expect(secretLine.length).toBeGreaterThan(20);
    const others = bot().slack.calls().filter((c) => c.method !== 'file_upload');
    expect(others.filter((c) => JSON.stringify(c.body).includes(secretLine.trim()))).toEqual([]);
    expect(bot().logs.filter((line) => line.includes(secretLine.trim()) || line.includes('client-key-data'))).toEqual([]);
    // Nor as bytes (a Buffer logged as JSON is a list of numbers).
    const asBytes = [...Buffer.from('client-key-data')].join(',');
    expect(bot().logs.filter((line) => line.includes(asBytes))).toEqual([]);
    await bot().bot.settled();
    expect(await storeFilesText(bot().dataFile)).not.toContain('client-key-data');
    const audit = bot().bot.store.read((data) => data.audit.filter((a) => a.action === 'cluster.kubeconfig'));
    expect(audit).toEqual([expect.objectContaining({ actor: USERS.projectAdmin, target: cluster.id, detail: { endpoint: 'public' } })]);
  });

  it('refuses a member, naming who may get it, and sends nothing', async () => {
    await provisioned();
    const { ack } = await command('kubeconfig prod-1', USERS.member);
    expect(ack).toContain('Only the admins of project platform');
    expect(ack).toContain(`<@${USERS.projectAdmin}>`);
    expect(ack).toContain('tenant admins');
    expect(bot().slack.calls('conversations.open')).toEqual([]);
    expect(bot().slack.calls('file_upload')).toEqual([]);
    expect(bot().tencent.requestsFor('DescribeClusterKubeconfig')).toEqual([]);
  });

  it('lets members get it when the policy says `kubeconfig: members`', async () => {
    await provisioned({ policyYaml: `${DEFAULT_POLICY_YAML}\nkubeconfig: members\n` });
    const { answer } = await command('kubeconfig prod-1', USERS.member);
    expect(text(answer)).toContain('is in your direct messages');
    expect(bot().slack.calls('conversations.open').map((c) => c.body.users)).toEqual([USERS.member]);
  });

  it('asks which endpoint when the cluster has both, and the button sends that one', async () => {
    const cluster = await provisioned({ endpointAccess: 'private-public' });
    const reply = await bot().send.command('kubeconfig prod-1', { user: USERS.tenantAdmin, channel: CHANNELS.platform });
    const choice = JSON.stringify(reply.json?.blocks ?? []);
    expect(choice).toContain(`${ActionIds.clusterKubeconfig}:private`);
    expect(choice).toContain(`${ActionIds.clusterKubeconfig}:public`);
    await bot().send.blockActions(
      messageBlockAction({
        user: USERS.tenantAdmin,
        channel: CHANNELS.platform,
        message: { blocks: reply.json?.blocks, text: reply.json?.text },
        messageTs: '1.000',
        actionId: `${ActionIds.clusterKubeconfig}:private`,
        responseUrl: `${bot().slack.url}/response/choice`,
        ephemeral: true,
      }),
    );
    await bot().slack.waitFor((calls) => calls.some((c) => c.method === 'files.completeUploadExternal'));
    expect(bot().tencent.requestsFor('DescribeClusterKubeconfig').map((r) => r.params)).toEqual([{ ClusterId: cluster.tkeClusterId, IsExtranet: false }]);
    expect(String(bot().slack.calls('file_upload')[0]?.body.content)).toContain(`server: https://${cluster.apiServer?.intranet}`);
  });

  it('shows the API server address, the console link and deletion protection in the overview', async () => {
    const cluster = await provisioned();
    const { answer } = await command('status prod-1', USERS.projectAdmin);
    const blocks = blocksOf(answer);
    expect(blocks).toContain(`https://${cluster.apiServer?.external}`);
    expect(blocks).toContain(`clusterId=${cluster.tkeClusterId}`);
    expect(blocks).toContain('Deletion protection* off');
    expect(blocks).toContain(ActionIds.clusterProtect);
    expect(blocks).toContain(`${ActionIds.clusterKubeconfig}:public`);
  });
});

describe('a failed cluster', () => {
  it('ends with a reply that mentions the requester and offers Delete', async () => {
    const cluster = await provisioned({ failEndpoint: 'subnet has no free IP' });
    expect(cluster.status).toBe('Failed');
    const failed = bot().slack.calls('chat.postMessage').find((c) => text(c).includes('Provisioning failed'));
    expect(text(failed)).toContain(`<@${USERS.member}>`);
    expect(blocksOf(failed)).toContain(`"action_id":"${ActionIds.clusterDelete}"`);
  });
});

describe('deletion protection', () => {
  async function openDeleteModal(): Promise<{ view: ModalView; viewId: string }> {
    const before = bot().slack.calls('views.open').length;
    const reply = await bot().send.command('delete prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
    expect(reply.text).toBe('');
    const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > before);
    return { view: calls.filter((c) => c.method === 'views.open').at(-1)?.body.view as ModalView, viewId: `V0DELETE${before}` };
  }

  it('refuses /tke delete and force delete of a protected cluster, naming who may turn it off; after unprotect, delete works', async () => {
    const cluster = await provisioned();
    const protect = await command('protect prod-1', USERS.projectAdmin);
    expect(text(protect.answer)).toContain('Deletion protection is now on');
    expect(bot().tencent.requestsFor('EnableClusterDeletionProtection').map((r) => r.params)).toEqual([{ ClusterId: cluster.tkeClusterId }]);
    expect(bot().tencent.cluster(cluster.tkeClusterId as string)).toBeDefined();

    const refused = await bot().send.command('delete prod-1', { user: USERS.tenantAdmin, channel: CHANNELS.platform });
    expect(String(refused.json?.text)).toContain('prod-1 has deletion protection on, so it cannot be deleted');
    expect(String(refused.json?.text)).toContain(`the admins of project platform (<@${USERS.projectAdmin}>)`);
    expect(String(refused.json?.text)).toContain('/tke unprotect prod-1');

    // A Force Delete Cluster button (an old offer) is refused the same way, before anything reaches Tencent.
    const forceMessage = {
      text: 'force',
      blocks: [{ type: 'actions', block_id: 'b1', elements: [{ type: 'button', action_id: ActionIds.clusterForceDelete, text: { type: 'plain_text', text: 'Force Delete Cluster' }, value: cluster.id }] }],
    };
    const before = bot().slack.calls('response_url').length;
    await bot().send.blockActions(
      messageBlockAction({ user: USERS.onCall, channel: CHANNELS.platform, message: forceMessage, messageTs: '1.000', actionId: ActionIds.clusterForceDelete, responseUrl: `${bot().slack.url}/response/force` }),
    );
    const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'response_url' || c.method === 'chat.postEphemeral').length > before);
    const told = calls.filter((c) => c.method === 'response_url' || c.method === 'chat.postEphemeral').at(-1);
    expect(text(told)).toContain('cannot be force deleted');
    expect(bot().slack.calls('views.open')).toEqual([]);
    expect(bot().tencent.requestsFor('DeleteCluster')).toEqual([]);

    // A member may not turn it off.
    const memberTry = await command('unprotect prod-1', USERS.member);
    expect(text(memberTry.answer)).toContain('Only the admins of project platform');
    expect(bot().tencent.requestsFor('DisableClusterDeletionProtection')).toEqual([]);

    await command('unprotect prod-1', USERS.projectAdmin);
    expect(bot().tencent.requestsFor('DisableClusterDeletionProtection').map((r) => r.params)).toEqual([{ ClusterId: cluster.tkeClusterId }]);
    const modal = await openDeleteModal();
    await bot().send.viewSubmission(viewSubmission({ user: USERS.projectAdmin, view: modal.view, viewId: modal.viewId, input: { [ActionIds.deleteConfirmName]: 'prod-1' } }));
    await bot().slack.waitFor(() => record(cluster.id).status === 'Deleting');
    await bot().bot.settled();
    expect(bot().tencent.requestsFor('DeleteCluster').map((r) => r.params)).toEqual([expect.objectContaining({ ClusterId: cluster.tkeClusterId })]);

    const audit = bot().bot.store.read((data) => data.audit.map((a) => a.action));
    expect(audit).toEqual(expect.arrayContaining(['cluster.protect', 'cluster.unprotect']));
  });

  it('is refused by Tencent (the emulator) for DeleteCluster while on, with OperationDenied.ClusterInDeletionProtection', async () => {
    const cluster = await provisioned();
    await command('protect prod-1', USERS.projectAdmin);
    // Deleting it anyway, as tkeops would if its record were out of date: Tencent says no.
    await bot().bot.store.update((data) => {
      const found = data.clusters.find((c) => c.id === cluster.id);
      if (found) delete found.deletionProtection;
    });
    const modal = await openDeleteModal();
    const answer = await bot().send.viewSubmission(viewSubmission({ user: USERS.projectAdmin, view: modal.view, viewId: modal.viewId, input: { [ActionIds.deleteConfirmName]: 'prod-1' } }));
    await bot().bot.settled();
    const shown = JSON.stringify(answer.json ?? {}) + JSON.stringify(bot().slack.calls().slice(-3).map((c) => c.body));
    expect(shown).toContain('OperationDenied.ClusterInDeletionProtection');
    expect(record(cluster.id).status).toBe('Running');
  });
});

describe('a profile with deletionProtection: true', () => {
  it('turns protection on once the cluster is Running, tells the thread, and the overview shows it', async () => {
    const profilesDir = await mkdtemp(path.join(tmpdir(), 'tkeops-profiles-'));
    onTestFinished(() => rm(profilesDir, { recursive: true, force: true }));
    const standard = await readFile('data/profiles/ubuntu-standard.yaml', 'utf8');
    await writeFile(path.join(profilesDir, 'protected.yaml'), standard.replace(/^name: .*$/m, 'name: protected-standard\ndeletionProtection: true'));
    const cluster = await provisioned({ profilesDir, profile: 'protected-standard' });
    expect(cluster.status).toBe('Running');
    expect(bot().tencent.requestsFor('EnableClusterDeletionProtection').map((r) => r.params)).toEqual([{ ClusterId: cluster.tkeClusterId }]);
    expect(cluster.deletionProtection?.on).toBe(true);
    expect(bot().slack.calls('chat.postMessage').filter((c) => text(c).includes('Deletion protection on'))).toHaveLength(1);
    const { answer } = await command('status prod-1', USERS.projectAdmin);
    expect(blocksOf(answer)).toContain('Deletion protection* on');
    expect(blocksOf(answer)).toContain(ActionIds.clusterUnprotect);
    expect(blocksOf(answer)).not.toContain(`"action_id":"${ActionIds.clusterDelete}"`);
  });
});

describe('deleted clusters', () => {
  it('end with a reply that mentions who approved the deletion and offers nothing to click', async () => {
    const cluster = await provisioned();
    const before = bot().slack.calls('views.open').length;
    await bot().send.command('delete prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
    const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > before);
    const view = calls.filter((c) => c.method === 'views.open').at(-1)?.body.view as ModalView;
    await bot().send.viewSubmission(viewSubmission({ user: USERS.projectAdmin, view, viewId: 'V0DEL', input: { [ActionIds.deleteConfirmName]: 'prod-1' } }));
    await bot().slack.waitFor(() => record(cluster.id).status === 'Deleting');
    for (let i = 0; i < 40 && record(cluster.id).status !== 'Deleted'; i++) {
      bot().clock.advance(TICK_MS);
      await tick();
    }
    const deleted = bot().slack.calls('chat.postMessage').find((c) => text(c).includes('deleted: Tencent no longer has'));
    expect(text(deleted)).toContain(`<@${USERS.projectAdmin}>`);
    expect(deleted?.body.blocks).toBeUndefined();
  });
});

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Manifest {
  features: { slash_commands: { command: string; url: string }[]; app_home: unknown };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string }; event_subscriptions?: { request_url: string; bot_events: string[] } };
}

const src = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * The bot scopes each Web API method the bot calls needs (docs.slack.dev method pages).
 * A method the bot starts calling must be added here, which makes the scope question explicit.
 */
const SCOPES_OF_METHOD: Record<string, readonly string[]> = {
  // chat:write.public: the provisioning thread goes to the channel /tke create ran in, which the bot may not be a member of.
  'chat.postMessage': ['chat:write', 'chat:write.public'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'usergroups.users.list': ['usergroups:read'],
  // the kubeconfig goes to the asking user's direct message with the bot, as a file
  'conversations.open': ['im:write'],
  // WebClient.filesUploadV2: files.getUploadURLExternal and files.completeUploadExternal
  'files.uploadV2': ['files:write'],
  'views.open': [],
  'views.push': [],
  'views.update': [],
  // the App Home tab (no scope: it is the app's own surface)
  'views.publish': [],
  // after a restart, the provisioning-thread message Slack took before the crash is found by its metadata,
  // in public channels (channels:history) and private ones the bot is in (groups:history)
  'conversations.history': ['channels:history', 'groups:history'],
  'conversations.replies': ['channels:history', 'groups:history'],
  // readiness: the token is checked at start; auth.test needs no scope.
  'auth.test': [],
};

/** Every .ts file of the bot (the sandbox is a stand-in for Slack and Tencent, not part of the bot). */
async function botSources(): Promise<{ file: string; text: string }[]> {
  const entries = await readdir(src, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => !path.relative(src, file).startsWith(`sandbox${path.sep}`));
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
}

/** Web API methods called as `<something>client.<family>.<method>(` (Bolt's client, the outbox's and the policy's WebClient). */
const webApiCalls = (text: string) => [
  ...[...text.matchAll(/\b[A-Za-z]*[cC]lient\.((?:[a-z][A-Za-z]*\.)+[a-z][A-Za-z]*)\(/g)].map((m) => m[1] as string),
  // The WebClient's file upload helper (three Web API calls under one name).
  ...[...text.matchAll(/\b[A-Za-z]*[cC]lient\.filesUploadV2\(/g)].map(() => 'files.uploadV2'),
];

async function scopesTheBotUses(): Promise<{ methods: string[]; scopes: string[] }> {
  const sources = await botSources();
  const methods = [...new Set(sources.flatMap((s) => webApiCalls(s.text)))].sort();
  const scopes = new Set(methods.flatMap((m) => SCOPES_OF_METHOD[m] ?? [`unknown scope of ${m}`]));
  if (sources.some((s) => /\bapp\.command\(/.test(s.text))) scopes.add('commands');
  return { methods, scopes: [...scopes].sort() };
}

const readManifest = async () => parse(await readFile(new URL('../manifest.yaml', import.meta.url), 'utf8')) as Manifest;

describe('the Slack app manifest', () => {
  it('declares /tke and interactivity on the endpoint Bolt listens on, and the App Home', async () => {
    const manifest = await readManifest();
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/tke']);
    expect(manifest.features.slash_commands[0]?.url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.interactivity).toMatchObject({ is_enabled: true });
    expect(manifest.settings.interactivity.request_url).toMatch(/\/slack\/events$/);
    expect(manifest.features.app_home).toBeDefined();
  });

  it('enables the Home tab and subscribes to app_home_opened on the endpoint Bolt listens on', async () => {
    const manifest = await readManifest();
    expect(manifest.features.app_home).toMatchObject({ home_tab_enabled: true });
    expect(manifest.settings.event_subscriptions?.bot_events).toEqual(['app_home_opened']);
    expect(manifest.settings.event_subscriptions?.request_url).toMatch(/\/slack\/events$/);
    const { methods } = await scopesTheBotUses();
    expect(methods).toContain('views.publish');
  });

  it('asks for exactly the bot scopes of the Web API methods the bot calls, plus commands for /tke', async () => {
    const { methods, scopes } = await scopesTheBotUses();
    // The scan found the calls it should (a broken pattern would find none and prove nothing).
    expect(methods).toEqual(expect.arrayContaining(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'usergroups.users.list', 'views.open']));
    expect([...(await readManifest()).oauth_config.scopes.bot].sort()).toEqual(scopes);
  });

  it('finds Web API calls the way the bot writes them', () => {
    const calls = webApiCalls(
      'await request.client.views.open({}); await deps.client.chat.postMessage(job); userGroupClient.usergroups.users.list({ usergroup }); client.DescribeClusters(req); client.filesUploadV2({})',
    );
    expect(calls).toEqual(['views.open', 'chat.postMessage', 'usergroups.users.list', 'files.uploadV2']);
  });
});

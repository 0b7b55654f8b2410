import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Manifest {
  features: { slash_commands: { command: string; url: string }[]; app_home: unknown };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string } };
}

describe('the Slack app manifest', () => {
  it('declares /tke, interactivity and the scopes the bot uses, on the endpoint Bolt listens on', async () => {
    const manifest = parse(await readFile(new URL('../manifest.yaml', import.meta.url), 'utf8')) as Manifest;
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/tke']);
    expect(manifest.features.slash_commands[0]?.url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.interactivity).toMatchObject({ is_enabled: true });
    expect(manifest.settings.interactivity.request_url).toMatch(/\/slack\/events$/);
    expect(manifest.features.app_home).toBeDefined();
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['commands', 'chat:write', 'usergroups:read']));
  });
});

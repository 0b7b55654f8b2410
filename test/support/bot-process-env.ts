/** What the bot-process tests (a real `node dist/index.js`) share: their environment, and the store they seed before the start. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bootstrap } from '../../src/bootstrap.js';
import type { TkeopsApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/services/logger.js';
import type { TkeEmulator } from '../../src/sandbox/tke/index.js';
import { BOT_TOKEN, DEFAULT_POLICY_YAML, SIGNING_SECRET, TENCENT, USERS } from './bot.js';
import type { FakeSlack } from './fake-slack.js';

const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

/** The environment of a bot on the fake Slack and the emulator, its policy (the default one) and store in `dir`. */
export async function botProcessEnv(dir: string, slack: FakeSlack, tencent: TkeEmulator, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  await writeFile(path.join(dir, 'policy.yaml'), DEFAULT_POLICY_YAML);
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    TENCENT_API_ENDPOINT: tencent.url,
    DATA_FILE: path.join(dir, 'db.json'),
    POLICY_FILE: path.join(dir, 'policy.yaml'),
    TKEOPS_MASTER_KEY: MASTER_KEY,
    ...extra,
  };
}

/**
 * The bot of `env` in this process, without its watcher, with the platform project's cloud account
 * added: the test seeds the store through it, then stops it before the bot process starts.
 */
export async function seederWithAccount(env: Record<string, string>): Promise<{ seeder: TkeopsApp; accountId: string }> {
  const seeder = await bootstrap(loadConfig(env), { logger: createLogger({ level: 'silent' }), scheduleWatcher: false });
  const added = await seeder.services.accounts.add(
    { name: 'acme-prod', description: '', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
    USERS.projectAdmin,
  );
  if (!added.ok) throw new Error(JSON.stringify(added.errors));
  return { seeder, accountId: added.account.id };
}

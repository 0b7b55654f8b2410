/** What the bot-process tests (a real `node dist/index.js`) share: their environment, and the store they seed before the start. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bootstrap } from '../../src/bootstrap.js';
import type { TkeopsApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/services/logger.js';
import type { TkeEmulator } from '../../src/sandbox/tke/index.js';
import type { ModalView } from '@slack/types';
import { wizardView } from '../../src/views/wizard/screen.js';
import { BOT_TOKEN, CHANNELS, DEFAULT_POLICY_YAML, SIGNING_SECRET, TENCENT, USERS } from './bot.js';
import { aPoolForm, aWizardForm, aWizardOptions } from './wizard-forms.js';
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

/** A wizard draft at its review step, as the wizard leaves it before Deploy: the modal to submit (Deploy). */
export interface ReviewDraft {
  draftId: string;
  viewId: string;
  view: ModalView;
}

/**
 * Seeds the store of `env` with the platform project's cloud account and member's wizard draft for
 * prod-1 (one worker pool, default) filled in up to its review step; the seeder is stopped again.
 */
export async function seedReviewDraft(env: Record<string, string>): Promise<ReviewDraft> {
  const { seeder, accountId } = await seederWithAccount(env);
  const created = await seeder.services.drafts.create({ userId: USERS.member, channel: CHANNELS.platform, project: 'platform', name: 'prod-1' });
  const viewId = 'V0REVIEW01';
  await seeder.services.drafts.update(created.id, (d) => {
    d.viewId = viewId;
    d.form = aWizardForm({ name: 'prod-1', accountId, pools: [aPoolForm({ name: 'default' })] });
    d.options = aWizardOptions({ accountId });
  });
  const screen = await seeder.services.wizard.screen(created.id, USERS.member, 'review');
  if (screen.kind !== 'screen') throw new Error('the wizard draft is gone');
  await seeder.stop();
  return { draftId: created.id, viewId, view: wizardView(screen.screen) };
}

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';

/*
 * The sandbox end to end in headless Chromium: the page, the local Slack, the real bot and the
 * Tencent emulator. Provisioning is shortened to seconds and force delete to 15 s, so the whole
 * story runs in about two minutes. Screenshots of the key screens go to docs/screenshots/.
 */

const repo = fileURLToPath(new URL('../..', import.meta.url));
const SCREENSHOTS = path.join(repo, 'docs/screenshots');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PEOPLE = { member: 'U0MEMBER1', projectAdmin: 'U0PADMIN1', onCall: 'U0ONCALL1' } as const;
const DEMO_ACCOUNT = { secretId: 'AKIDsandboxDemo0001', secretKey: 'sandbox-demo-secret-key' };
/** Long enough for provisioning (≈ 12 s here), the watcher's 2 s ticks and the 15 s force-delete threshold. */
const SLOW = 90_000;

let sandbox: Sandbox;
let context: BrowserContext;
let page: Page;
let userDataDir: string;

beforeAll(async () => {
  userDataDir = await mkdtemp(path.join(tmpdir(), 'tkeops-chromium-'));
  sandbox = await startSandbox({
    port: 0,
    dataFile: path.join(userDataDir, 'sandbox-db.json'),
    logLevel: 'silent',
    timings: { clusterCreateMs: 4_000, endpointCreateMs: 2_000, nodeJoinMs: 4_000, addonInstallMs: 2_000, clusterDeleteMs: 3_000 },
    forceDeleteAfterMinutes: 0.25,
  });
  context = await chromium.launchPersistentContext(path.join(userDataDir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  page = await context.newPage();
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.goto(sandbox.url);
  await page.waitForFunction(() => (globalThis as { sandboxReady?: boolean }).sandboxReady === true);
});

/** A failed step leaves a picture of the page in .tmp/ (git-ignored), for CI logs. */
afterEach(async (test) => {
  if (test.task.result?.state !== 'fail') return;
  await mkdir(path.join(repo, '.tmp'), { recursive: true });
  await page.screenshot({ path: path.join(repo, '.tmp', `browser-failure-${test.task.name.slice(0, 40).replace(/\W+/g, '-')}.png`) });
});

afterAll(async () => {
  await context?.close();
  await sandbox?.stop();
  await rm(userDataDir, { recursive: true, force: true });
});

const screenshot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
const dialog = (title: string) => page.getByRole('dialog', { name: title });
const messages = () => page.getByRole('log', { name: 'Messages' }).getByTestId('message');
const thread = () => page.getByRole('complementary', { name: 'Thread' });
const rootMessage = (cluster: string) => messages().filter({ hasText: cluster }).filter({ has: page.getByRole('button', { name: 'Overview' }) });

/** The ephemeral cluster overview of `/tke status <name>`, as the acting person sees it. */
const overview = (cluster: string) =>
  messages().filter({ hasText: 'Only visible to you' }).filter({ hasText: cluster }).filter({ hasText: 'Open the provisioning thread' });

async function actAs(user: string): Promise<void> {
  await page.getByLabel('Acting as').selectOption(user);
}

/** Types in the open conversation's composer. */
async function type(text: string): Promise<void> {
  const composer = page.getByRole('textbox', { name: /^Message / });
  await composer.fill(text);
  await composer.press('Enter');
}

/** Waits until a select offers more than its placeholder (the bot fills it after a views.update). */
async function choices(select: Locator): Promise<Locator> {
  await select.locator('option:not([disabled])').first().waitFor({ state: 'attached' });
  return select;
}

/** Does something that makes the bot update the open view (a dispatched select), and waits for the new view. */
async function andViewUpdate(action: () => Promise<unknown>): Promise<void> {
  const hash = await page.getByRole('dialog').getAttribute('data-view-hash');
  await action();
  await page.locator(`[role=dialog]:not([data-view-hash="${hash}"])`).waitFor();
}

async function next(title = 'Create cluster', button = 'Next'): Promise<void> {
  await dialog(title).getByRole('button', { name: button, exact: true }).click();
}

/** `/tke create` through every wizard step, up to the review. */
async function fillWizard(name: string, shots: { basics?: string; review?: string } = {}, vpcIndex = 1): Promise<void> {
  await type('/tke create');
  const wizard = dialog('Create cluster');
  await wizard.getByLabel('Cluster name').fill(name);
  await wizard.getByLabel('Description').fill('Created in the sandbox by the browser test');
  await wizard.getByLabel('Tags').fill('team:platform\nenv:sandbox');
  await (await choices(wizard.getByLabel('Cloud account'))).selectOption({ index: 1 });
  await wizard.getByLabel('Cluster profile').selectOption('ubuntu-standard');
  if (shots.basics) await screenshot(shots.basics);
  await next();
  await wizard.getByText('Step 2 of 5').waitFor();
  await next();
  await wizard.getByText('Step 3 of 5').waitFor();
  await andViewUpdate(() => wizard.getByLabel('Region').selectOption('ap-guangzhou'));
  await (await choices(wizard.getByLabel('SSH key pair'))).selectOption({ index: 1 });
  await andViewUpdate(async () => (await choices(wizard.getByLabel('VPC', { exact: true }))).selectOption({ index: vpcIndex }));
  await (await choices(wizard.getByLabel('Subnet', { exact: true }))).selectOption({ index: 1 });
  await wizard.getByLabel('Public access CIDRs').fill('0.0.0.0/0');
  await next();
  await wizard.getByText('Step 4 of 5').waitFor();
  await andViewUpdate(() => wizard.getByLabel('Availability zones').selectOption(['ap-guangzhou-3']));
  await (await choices(wizard.getByLabel('Instance type'))).selectOption('S5.MEDIUM4');
  await next();
  await wizard.getByText('Step 5 of 5').waitFor();
  if (shots.review) await screenshot(shots.review);
}

async function openChannel(name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Channels' }).getByRole('button', { name }).click();
  await page.getByRole('heading', { name }).waitFor();
}

async function deploy(name: string): Promise<void> {
  await next('Create cluster', 'Deploy');
  await dialog('Create cluster').waitFor({ state: 'detached' });
  await rootMessage(name).filter({ hasText: 'Running' }).waitFor({ timeout: SLOW });
}

async function deleteByTypingTheName(name: string, shot?: string): Promise<void> {
  await type(`/tke delete ${name}`);
  const confirm = dialog('Delete cluster');
  await confirm.getByLabel('Type the cluster name to confirm').fill(name);
  if (shot) await screenshot(shot);
  await confirm.getByRole('button', { name: 'Delete cluster', exact: true }).click();
  await confirm.waitFor({ state: 'detached' });
}

async function openThread(name: string): Promise<void> {
  await rootMessage(name).getByRole('button', { name: /repl(y|ies)/ }).click();
  await thread().waitFor();
}

/**
 * `/tke create` up to Deploy in Guangzhou's second VPC (prod-vpc), whose CIDRs no earlier step's
 * cluster uses: the App Home step stands alone whatever ran before it.
 */
/** The app's Home tab (sidebar → Apps), as the acting person sees it once tkeops published it. */
async function openHome(): Promise<Locator> {
  await page.getByRole('navigation', { name: 'Apps' }).getByRole('button', { name: 'tkeops — Home' }).click();
  const home = page.getByTestId('home');
  await home.getByText('My clusters').waitFor();
  return home;
}

describe('the sandbox in a browser', () => {
  it('shows the channel, the people to act as and the sandbox controls', async () => {
    await page.getByRole('heading', { name: '# platform' }).waitFor();
    const people = await page.getByLabel('Acting as').locator('option').allInnerTexts();
    expect(people).toEqual(['Mia Member — member', 'Pat Admin — platform admin, payments admin', 'Tess Tenant — tenant admin', 'Owen Oncall — on-call']);
    await page.getByRole('button', { name: 'Make the next deletion get stuck' }).waitFor();
  });

  it('walks a member through the /tke create wizard up to the review', async () => {
    await actAs(PEOPLE.member);
    await fillWizard('demo-1', { basics: 'wizard-basics', review: 'wizard-review' });
    const review = await dialog('Create cluster').innerText();
    expect(review).toContain('demo-1');
    expect(review).toContain('ap-guangzhou');
    expect(review).toContain('S5.MEDIUM4');
  });

  it('deploys, and the provisioning thread follows the cluster until its root message says Running', async () => {
    await deploy('demo-1');
    await openThread('demo-1');
    const replies = await thread().getByTestId('message').allInnerTexts();
    expect(replies.length).toBeGreaterThan(3);
    expect(await rootMessage('demo-1').innerText()).toMatch(/Running/);
    await screenshot('provisioning-thread');
  });

  it('deletes the cluster once a project admin types its name, and the root message ends Deleted', async () => {
    await actAs(PEOPLE.projectAdmin);
    await deleteByTypingTheName('demo-1', 'delete-confirm');
    await rootMessage('demo-1').filter({ hasText: 'Deleted' }).waitFor({ timeout: SLOW });
  });

  it('offers Force Delete for a stuck deletion to on-call and not to a member', async () => {
    await actAs(PEOPLE.member);
    await fillWizard('demo-2');
    await deploy('demo-2');
    await page.getByRole('button', { name: 'Make the next deletion get stuck' }).click();
    await actAs(PEOPLE.projectAdmin);
    await deleteByTypingTheName('demo-2');
    await rootMessage('demo-2').filter({ hasText: 'Deleting' }).waitFor({ timeout: SLOW });
    await openThread('demo-2');
    await thread().getByRole('button', { name: 'Force Delete Cluster' }).waitFor({ timeout: SLOW });
    await screenshot('force-delete-offered');

    await actAs(PEOPLE.member);
    await type('/tke status demo-2');
    const memberOverview = overview('demo-2');
    await memberOverview.waitFor();
    expect(await memberOverview.getByRole('button', { name: 'Force Delete Cluster' }).count()).toBe(0);
    await thread().getByRole('button', { name: 'Force Delete Cluster' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Continue' }).click();
    await page.getByText(/Only .* may force delete this cluster/).first().waitFor();
    await screenshot('force-delete-refused');

    await actAs(PEOPLE.onCall);
    await type('/tke status demo-2');
    await overview('demo-2').getByRole('button', { name: 'Force Delete Cluster' }).waitFor();
  });

  it('force-deletes the stuck cluster for on-call, after listing the leftover resources', async () => {
    await thread().getByRole('button', { name: 'Force Delete Cluster' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Continue' }).click();
    const force = dialog('Force Delete Cluster');
    await force.getByRole('button', { name: 'Force delete', exact: true }).waitFor();
    await force.getByRole('textbox').fill('demo-2');
    await screenshot('force-delete-confirm');
    await force.getByRole('button', { name: 'Force delete', exact: true }).click();
    await force.waitFor({ state: 'detached' });
    await rootMessage('demo-2').filter({ hasText: 'Deleted (forced)' }).waitFor({ timeout: SLOW });
    await thread().getByTestId('message').filter({ hasText: 'force deleted' }).first().waitFor();
    const dismiss = page.getByRole('button', { name: 'Dismiss' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    await rootMessage('demo-2').scrollIntoViewIfNeeded();
    await screenshot('force-deleted');
  });

  it('answers in a private channel tkeops was not invited to: through the command, else in a direct message', async () => {
    await actAs(PEOPLE.projectAdmin);
    await openChannel('🔒 platform-private');

    await type('/tke account add');
    const form = dialog('Add cloud account');
    await form.getByLabel('Account name').fill('private-demo');
    await form.getByLabel('Secret ID').fill(DEMO_ACCOUNT.secretId);
    await form.getByLabel('Secret Key').fill(DEMO_ACCOUNT.secretKey);
    await form.getByRole('button', { name: 'Validate & save' }).click();
    await form.waitFor({ state: 'detached' });
    // The command's response URL works where tkeops cannot post.
    await messages().filter({ hasText: 'Only visible to you' }).filter({ hasText: 'private-demo' }).filter({ hasText: 'is saved' }).waitFor();

    // The provisioning thread cannot be posted here, and neither can an ephemeral message: tkeops says so in a direct message.
    await fillWizard('demo-private');
    await next('Create cluster', 'Deploy');
    await dialog('Create cluster').waitFor({ state: 'detached' });
    await page.getByRole('navigation', { name: 'Direct messages' }).getByRole('button', { name: 'tkeops' }).click();
    await page.getByRole('heading', { name: 'tkeops' }).waitFor();
    await messages().filter({ hasText: 'demo-private' }).filter({ hasText: 'could not post its provisioning thread' }).waitFor();
  });

  it('sends a project admin the kubeconfig of a running cluster as a file in the direct message, not in the channel', async () => {
    await actAs(PEOPLE.member);
    await openChannel('# platform');
    // demo-private still takes the default VPC's pod CIDR: demo-3 goes in the second VPC.
    await fillWizard('demo-3', {}, 2);
    await deploy('demo-3');

    await actAs(PEOPLE.projectAdmin);
    await type('/tke kubeconfig demo-3 public');
    await page.getByRole('navigation', { name: 'Direct messages' }).getByRole('button', { name: 'tkeops' }).click();
    await page.getByRole('heading', { name: 'tkeops' }).waitFor();
    const sent = messages().filter({ hasText: 'The kubeconfig of demo-3' });
    const file = sent.getByRole('figure', { name: 'File demo-3-public.kubeconfig.yaml' });
    await file.waitFor();
    expect(await sent.innerText()).toContain('admin credential');
    await file.getByText('Show content').click();
    expect(await file.locator('pre').innerText()).toContain('apiVersion: v1');
    await screenshot('kubeconfig-direct-message');

    await openChannel('# platform');
    expect(await page.getByRole('log', { name: 'Messages' }).getByTestId('file').count()).toBe(0);
  });

  it('scales a worker pool from its modal, and the thread says when Tencent reports the new node count', async () => {
    await type('/tke scale demo-3');
    const scale = dialog('Scale worker pool');
    await scale.getByText('now min 1 · desired 2 · max 3').waitFor();
    await scale.getByLabel('Desired nodes').fill('3');
    await screenshot('scale-pool');
    await scale.getByRole('button', { name: 'Scale', exact: true }).click();
    await scale.waitFor({ state: 'detached' });
    await openThread('demo-3');
    await thread().getByTestId('message').filter({ hasText: 'now has 3 ready nodes' }).waitFor({ timeout: SLOW });
  });

  it('adds a worker pool with the wizard’s pool form, and the thread says when its nodes are ready', async () => {
    await type('/tke pool add demo-3');
    const add = dialog('Add worker pool');
    await add.getByLabel('Name').fill('batch');
    await (await choices(add.getByLabel('Instance type'))).selectOption('S5.LARGE8');
    await add.getByLabel('Desired size (nodes)').fill('1');
    await screenshot('add-pool');
    await add.getByRole('button', { name: 'Add pool', exact: true }).click();
    await add.waitFor({ state: 'detached' });
    await thread().getByTestId('message').filter({ hasText: 'worker pool batch is added' }).waitFor({ timeout: SLOW });
  });

  it('upgrades Kubernetes one minor version: the control plane, then the worker nodes, until the thread says the version is everywhere', async () => {
    await type('/tke upgrade demo-3');
    const upgrade = dialog('Upgrade Kubernetes');
    await upgrade.getByText('TKE upgrades one minor version at a time').waitFor();
    await upgrade.getByLabel('Max unavailable nodes').fill('4');
    await screenshot('upgrade-kubernetes');
    await upgrade.getByRole('button', { name: 'Upgrade', exact: true }).click();
    await upgrade.waitFor({ state: 'detached' });
    await thread().getByTestId('message').filter({ hasText: 'Control plane at Kubernetes' }).waitFor({ timeout: SLOW });
    await thread().getByTestId('message').filter({ hasText: 'everywhere' }).waitFor({ timeout: SLOW });
  });

  it('protects the cluster, and then refuses to delete it, naming who may turn protection off', async () => {
    await type('/tke protect demo-3');
    await messages().filter({ hasText: 'Deletion protection is now on for demo-3' }).waitFor();
    await type('/tke delete demo-3');
    const refused = messages().filter({ hasText: 'demo-3 has deletion protection on, so it cannot be deleted' });
    await refused.waitFor();
    expect(await refused.innerText()).toContain('/tke unprotect demo-3');
    expect(await dialog('Delete cluster').count()).toBe(0);
    await screenshot('delete-refused-protected');
    expect(await rootMessage('demo-3').innerText()).toMatch(/Running/);
  });

  it("opens the App Home tab: the member's cluster is in My clusters, with its status and buttons", async () => {
    await actAs(PEOPLE.member);
    const home = await openHome();
    await home.getByText('Waiting for your approval').waitFor();
    await home.getByText('Expiring in the next 24 h').waitFor();
    await home.getByRole('button', { name: 'Create cluster' }).waitFor();
    await home.getByText(/demo-3.*Running/).first().waitFor({ timeout: SLOW });
    await home.getByRole('button', { name: 'Overview' }).first().waitFor();
    await screenshot('app-home');
    await openChannel('# platform');
  });
});

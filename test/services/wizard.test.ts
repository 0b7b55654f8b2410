import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';
import { createAccountService } from '../../src/services/accounts.js';
import { createAudit } from '../../src/services/audit.js';
import { ManualClock } from '../../src/services/clock.js';
import { createClusterLookup } from '../../src/services/cluster-lookup.js';
import { createDeployService } from '../../src/services/deploy.js';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import { createDrafts, type Drafts } from '../../src/services/drafts.js';
import { createLogger } from '../../src/services/logger.js';
import { createPolicy, parsePolicy } from '../../src/services/policy.js';
import { loadProfiles } from '../../src/services/profiles.js';
import { createSecretBox } from '../../src/services/secrets.js';
import type { WizardForm } from '../../src/services/store-schema.js';
import { openStore, type Store } from '../../src/services/store.js';
import { createTkeGateway } from '../../src/services/tke-gateway.js';
import { createWizardChoices } from '../../src/services/wizard-choices.js';
import { createWizardService, type WizardService } from '../../src/services/wizard.js';
import { aPoolForm, aWizardForm } from '../support/wizard-forms.js';
import { wizardView } from '../../src/views/wizard/screen.js';

const KEY = { secretId: 'AKIDwizardtest0001', secretKey: 'wizard-test-secret-0001' };
const MEMBER = 'U0MEMBER';
const PLATFORM = 'C0PLATFORM';
const RUNNING_AFTER_MS = 60_000;

/** The form every rule accepts, with the account, key pair and subnet the emulator has. */
const complete = (accountId: string, overrides: Partial<WizardForm> = {}): WizardForm =>
  aWizardForm({ accountId, profile: 'ubuntu-standard', keyPairId: 'skey-demo0002', subnetId: 'subnet-gz04dft1', pools: [aPoolForm({ zones: ['ap-guangzhou-4'] })], ...overrides });

describe('the wizard service, against the emulator through the real SDK', () => {
  let dir: string;
  let clock: ManualClock;
  let tencent: TkeEmulator;
  let store: Store;
  let drafts: Drafts;
  let wizard: WizardService;
  let accountId: string;
  let announced: string[];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tkeops-wizard-'));
    clock = new ManualClock();
    tencent = await startTkeEmulator({ clock, accounts: [KEY] });
    store = await openStore(path.join(dir, 'db.json'));
    const logger = createLogger({ level: 'silent' });
    const tke = createTkeGateway({ logger, endpoint: tencent.url, sleep: async () => undefined });
    const repositories = createLowdbRepositories(store);
    const audit = createAudit({ log: repositories.audit, clock });
    const policy = createPolicy(
      parsePolicy('policy.yaml', `tenantAdmins: [U0TENANT1]\nprojects:\n  - { name: platform, channels: [${PLATFORM}], admins: [U0PADMIN1], members: everyone }\n`),
      { userGroupMembers: async () => [], clock, cacheMs: 0 },
    );
    const accounts = createAccountService({ accounts: repositories.accounts, tke, secrets: createSecretBox(randomBytes(32)), clock, audit });
    const added = await accounts.add({ name: 'prod', description: '', ...KEY, scope: { kind: 'project', project: 'platform' } }, 'U0PADMIN1');
    if (!added.ok) throw new Error(JSON.stringify(added.errors));
    accountId = added.account.id;
    const profiles = await loadProfiles('data/profiles');
    drafts = createDrafts({ drafts: repositories.drafts, clock });
    announced = [];
    wizard = createWizardService({
      drafts,
      choices: createWizardChoices({ tke, accounts }),
      accounts,
      policy,
      profiles,
      clusterLookup: createClusterLookup({ clusters: repositories.clusters, policy }),
      deploy: createDeployService({ clusters: repositories.clusters, drafts: repositories.drafts, tke, accounts, profiles, clock, audit, logger }),
      threads: { announce: async (clusterId) => (announced.push(clusterId), true) },
      logger,
    });
    tencent.clearRequests();
  });

  afterEach(async () => {
    await tencent.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A fresh draft of the member in the platform channel, its form as given and its choices loaded from the emulator. */
  async function aDraft(form: WizardForm): Promise<string> {
    const begun = await wizard.begin({ user: MEMBER, channel: PLATFORM });
    if (begun.kind !== 'fresh') throw new Error(`expected a fresh draft, got ${begun.kind}`);
    const id = begun.screen.draftId;
    await drafts.update(id, (d) => (d.form = form));
    await wizard.loadChoices(id, 'placement');
    tencent.clearRequests();
    return id;
  }
  const keep = (form: WizardForm) => (): WizardForm => form;

  describe('each step', () => {
    it('refuses basics without a name, account and profile, by field, and stays on the step', async () => {
      const id = await aDraft(complete(accountId, { name: '', accountId: undefined, profile: undefined }));
      const submitted = await wizard.submit(id, MEMBER, 'basics', (form) => form, 'V1');
      expect(submitted).toEqual({
        kind: 'invalid',
        step: 'basics',
        errors: { name: 'Enter a cluster name', accountId: 'Choose a cloud account', profile: 'Choose a cluster profile' },
      });
    });

    it('refuses a worker pool whose desired size is outside min..max on the pools step, keeping what was typed', async () => {
      const typed = complete(accountId, { pools: [aPoolForm({ zones: ['ap-guangzhou-4'], minSize: '2', desiredSize: '5', maxSize: '3' })] });
      const id = await aDraft(complete(accountId));
      const submitted = await wizard.submit(id, MEMBER, 'pools', keep(typed), 'V1');
      expect(submitted).toEqual({ kind: 'invalid', step: 'pools', errors: { 'pool:p1:desiredSize': 'The desired size must be between the minimum (2) and the maximum (3)' } });
      expect((await drafts.get(id))?.form?.pools[0]?.desiredSize).toBe('5');
    });

    it('sends the pools step back to the first earlier step that no longer passes, with why', async () => {
      const id = await aDraft(complete(accountId, { subnetId: 'subnet-elsewhere' }));
      const submitted = await wizard.submit(id, MEMBER, 'pools', (form) => form, 'V1');
      expect(submitted).toMatchObject({
        kind: 'next',
        screen: { step: 'placement', notice: { kind: 'fixBeforeDeploy', errors: { subnetId: 'This subnet is not in the chosen VPC' } } },
      });
      if (submitted.kind !== 'next') throw new Error(submitted.kind);
      expect(JSON.stringify(wizardView(submitted.screen))).toContain(JSON.stringify('Fix this before deploying:\nThis subnet is not in the chosen VPC').slice(1, -1));
    });

    it('goes from pools to the review with the spec made of what was typed, sizes as numbers', async () => {
      const id = await aDraft(complete(accountId));
      const submitted = await wizard.submit(id, MEMBER, 'pools', (form) => form, 'V1');
      expect(submitted).toMatchObject({
        kind: 'next',
        screen: { step: 'review', spec: { name: 'payments-prod', workerPools: [{ name: 'workers', minSize: 1, desiredSize: 2, maxSize: 3, diskGb: 50 }] } },
      });
      expect(tencent.requests).toEqual([]);
    });
  });

  describe('Deploy', () => {
    it('hands the validated spec to Deploy as a value: CreateCluster and CreateClusterNodePool carry it, the draft keeps no spec', async () => {
      const id = await aDraft(complete(accountId));
      const checked = await wizard.checkDeploy(id, MEMBER);
      if (checked.kind !== 'ready') throw new Error(`expected ready, got ${checked.kind}`);
      expect(checked.spec.workerPools).toEqual([{ name: 'workers', minSize: 1, desiredSize: 2, maxSize: 3, instanceType: 'S5.MEDIUM4', zones: ['ap-guangzhou-4'], diskGb: 50 }]);

      const outcome = await wizard.deploy(checked);

      expect(outcome).toMatchObject({ kind: 'started', created: true, announced: true, cluster: { spec: checked.spec, status: 'Provisioning' } });
      expect(announced).toHaveLength(1);
      expect(tencent.requestsFor('CreateCluster')).toHaveLength(1);
      expect(store.read((data) => data.drafts.find((d) => d.id === id)?.spec)).toEqual({});
    });

    it('refuses Deploy of an incomplete draft before Tencent hears of it, showing the first step to fix', async () => {
      const id = await aDraft(complete(accountId, { vpcId: undefined, subnetId: undefined }));
      const checked = await wizard.checkDeploy(id, MEMBER);
      expect(checked).toMatchObject({ kind: 'invalid', screen: { step: 'placement', notice: { kind: 'fixBeforeDeploy', errors: expect.objectContaining({ vpcId: expect.stringContaining('Choose a VPC') }) } } });
      if (checked.kind !== 'invalid') throw new Error(checked.kind);
      expect(JSON.stringify(wizardView(checked.screen))).toContain('Choose a VPC');
      expect(tencent.requests).toEqual([]);
      expect(store.read((data) => data.clusters)).toEqual([]);
    });

    it('answers a second Deploy of the same draft with the cluster it became', async () => {
      const id = await aDraft(complete(accountId));
      const checked = await wizard.checkDeploy(id, MEMBER);
      if (checked.kind !== 'ready') throw new Error(checked.kind);
      await wizard.deploy(checked);
      clock.advance(RUNNING_AFTER_MS);
      expect(await wizard.checkDeploy(id, MEMBER)).toMatchObject({ kind: 'gone', gone: { kind: 'deployed', name: 'payments-prod', channel: PLATFORM } });
      expect(tencent.requestsFor('CreateCluster')).toHaveLength(1);
    });
  });

  describe('resuming', () => {
    it('offers the closed draft of this user in this channel, on the first step still to finish, with what was typed', async () => {
      const id = await aDraft(complete(accountId, { vpcId: undefined, subnetId: undefined }));
      await wizard.close(id, MEMBER, (form) => ({ ...form, name: 'typed-at-close' }));

      expect(await wizard.begin({ user: MEMBER, channel: PLATFORM })).toEqual({ kind: 'resumable', draftId: id, name: 'typed-at-close', step: 'placement' });
      expect(await wizard.begin({ user: 'U0PADMIN1', channel: PLATFORM })).toMatchObject({ kind: 'fresh' });
      const resumed = await wizard.resume(id, MEMBER, 'V2');
      expect(resumed).toMatchObject({ kind: 'redraw', step: 'placement', now: { step: 'placement', form: { name: 'typed-at-close' } } });
      expect((await drafts.get(id))?.viewId).toBe('V2');
    });

    it('starts over: the old draft is gone, a fresh one takes its place, and resuming the old one says it expired', async () => {
      const id = await aDraft(complete(accountId));
      await wizard.close(id, MEMBER, (form) => form);
      const begun = await wizard.startOver({ user: MEMBER, channel: PLATFORM, name: 'billing-dev', discard: id });
      expect(begun).toMatchObject({ kind: 'fresh', screen: { step: 'basics', form: { name: 'billing-dev', tags: '' } } });
      expect(begun.kind === 'fresh' && begun.screen.form.accountId).toBeUndefined();
      expect(await drafts.get(id)).toBeUndefined();
      expect(await wizard.resume(id, MEMBER, 'V3')).toEqual({ kind: 'gone', gone: { kind: 'expired' } });
    });

    it("does not let another user resume or discard someone's draft", async () => {
      const id = await aDraft(complete(accountId));
      expect(await wizard.resume(id, 'U0PADMIN1', 'V4')).toEqual({ kind: 'gone', gone: { kind: 'expired' } });
      await wizard.startOver({ user: 'U0PADMIN1', channel: PLATFORM, discard: id });
      expect(await drafts.get(id)).toBeDefined();
    });
  });
});

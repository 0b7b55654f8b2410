import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';
import { createAccountService, maskSecretId, TENCENT_TIMEOUT_MESSAGE, type AccountInput, type AccountService } from '../../src/services/accounts.js';
import { createAudit } from '../../src/services/audit.js';
import { ManualClock } from '../../src/services/clock.js';
import { createLogger } from '../../src/services/logger.js';
import { createPolicy, parsePolicy } from '../../src/services/policy.js';
import { createSecretBox } from '../../src/services/secrets.js';
import type { ClusterStatus } from '../../src/services/store-schema.js';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import { openStore, type Store } from '../../src/services/store.js';
import { createTkeGateway } from '../../src/services/tke-gateway.js';
import { aCluster, aSpec } from '../support/clusters.js';
import { policyRefusalText } from '../../src/views/policy-refusals.js';
import { storeFilesText } from '../support/store-files.js';

const KEY = { secretId: 'AKIDunitaccount0001', secretKey: 'unit-secret-key-0001' };
const OTHER = { secretId: 'AKIDunitaccount0002', secretKey: 'unit-secret-key-0002' };

const policy = createPolicy(
  parsePolicy(
    'policy.yaml',
    `
tenantAdmins: [U0TENANT1]
projects:
  - { name: platform, channels: [C0PLATFORM], admins: [U0PADMIN1], members: everyone }
  - { name: data, channels: [C0DATA], admins: [U0DADMIN1], members: everyone }
`,
  ),
  { userGroupMembers: async () => [], clock: new ManualClock(), cacheMs: 0 },
);

const anInput = (overrides: Partial<AccountInput> = {}): AccountInput => ({
  name: 'prod',
  description: 'Production, Guangzhou',
  ...KEY,
  scope: { kind: 'tenant' },
  ...overrides,
});

const aClusterOf = (accountId: string, status: ClusterStatus, name = 'web') => aCluster({ spec: aSpec({ name, accountId }), status });

describe('the cloud account service', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let tencent: TkeEmulator;
  let accounts: AccountService;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tkeops-accounts-'));
    store = await openStore(path.join(dir, 'db.json'));
    clock = new ManualClock(Date.UTC(2026, 0, 2, 10, 0, 0));
    tencent = await startTkeEmulator({ clock, accounts: [KEY, OTHER] });
    const tke = createTkeGateway({ endpoint: tencent.url, logger: createLogger({ level: 'silent' }), sleep: async () => undefined });
    const repositories = createLowdbRepositories(store);
    accounts = createAccountService({ accounts: repositories.accounts, tke, secrets: createSecretBox(randomBytes(32)), clock, audit: createAudit({ log: repositories.audit, clock }) });
  });
  afterEach(async () => {
    await tencent.close();
    await rm(dir, { recursive: true, force: true });
  });

  const stored = () => store.read((data) => data.accounts);
  const audit = () => store.read((data) => data.audit);

  describe('adding', () => {
    it('asks Tencent with the credentials entered before saving', async () => {
      await accounts.add(anInput(), 'U0TENANT1');
      expect(tencent.requestsFor('DescribeRegions').map((r) => [r.secretId, r.errorCode])).toEqual([[KEY.secretId, undefined]]);
    });

    it('saves an account Tencent accepts, with the Secret Key encrypted and the validation time', async () => {
      const result = await accounts.add(anInput(), 'U0TENANT1');
      expect(result).toMatchObject({ ok: true, account: { name: 'prod', secretIdMasked: 'AKID****0001' } });
      expect(stored()).toEqual([
        expect.objectContaining({
          name: 'prod',
          description: 'Production, Guangzhou',
          scope: { kind: 'tenant' },
          secretId: KEY.secretId,
          addedBy: 'U0TENANT1',
          validatedAt: '2026-01-02T10:00:00.000Z',
        }),
      ]);
      expect(await storeFilesText(path.join(dir, 'db.json'))).not.toContain(KEY.secretKey);
    });

    it('writes an audit entry without the Secret Key', async () => {
      const result = await accounts.add(anInput(), 'U0TENANT1');
      expect(audit()).toEqual([
        {
          at: '2026-01-02T10:00:00.000Z',
          actor: 'U0TENANT1',
          action: 'account.add',
          target: result.ok ? result.account.id : '',
          detail: { name: 'prod', scope: 'tenant', secretId: 'AKID****0001' },
        },
      ]);
      expect(JSON.stringify(audit())).not.toContain(KEY.secretKey);
    });

    it("gives back Tencent's error on the Secret Key and saves nothing when the key is wrong", async () => {
      const result = await accounts.add(anInput({ secretKey: 'wrong-secret-key' }), 'U0TENANT1');
      expect(result).toEqual({
        ok: false,
        errors: { secretKey: expect.stringMatching(/^Tencent refused these credentials: AuthFailure\.SignatureFailure: /) },
      });
      expect(JSON.stringify(result)).not.toContain('wrong-secret-key');
      expect(stored()).toEqual([]);
      expect(audit()).toEqual([]);
    });

    it("gives back Tencent's error on the Secret ID when Tencent does not know it", async () => {
      const result = await accounts.add(anInput({ secretId: 'AKIDnobodyhasthis01' }), 'U0TENANT1');
      expect(result).toEqual({ ok: false, errors: { secretId: expect.stringContaining('AuthFailure.SecretIdNotFound') } });
      expect(stored()).toEqual([]);
    });

    it("answers Tencent's own error code for any other refusal", async () => {
      tencent.failNext('DescribeRegions', { code: 'UnauthorizedOperation', message: 'CAM policy does not allow tke:DescribeRegions.' });
      const result = await accounts.add(anInput(), 'U0TENANT1');
      expect(result).toEqual({
        ok: false,
        errors: { secretKey: 'Tencent refused these credentials: UnauthorizedOperation: CAM policy does not allow tke:DescribeRegions.' },
      });
    });

    it('saves nothing when Tencent does not answer in time', async () => {
      const repositories = createLowdbRepositories(store);
      const hanging = createAccountService({
        accounts: repositories.accounts,
        tke: { describeRegions: () => new Promise(() => undefined) },
        secrets: createSecretBox(randomBytes(32)),
        clock,
        audit: createAudit({ log: repositories.audit, clock }),
        validateTimeoutMs: 20,
      });
      expect(await hanging.add(anInput(), 'U0TENANT1')).toEqual({ ok: false, errors: { secretKey: TENCENT_TIMEOUT_MESSAGE } });
      expect(stored()).toEqual([]);
    });

    it.each([
      ['an empty name', { name: '  ' }, 'name', 'Give the cloud account a name.'],
      ['a name of 61 characters', { name: 'a'.repeat(61) }, 'name', 'At most 60 characters.'],
      ['a name of two words', { name: 'prod account' }, 'name', 'One word: letters, digits, dots, dashes or underscores.'],
      ['a Secret ID without AKID', { secretId: 'XYZunitaccount0001' }, 'secretId', expect.stringMatching(/^A Secret ID starts with AKID/)],
      ['a Secret ID of 9 characters', { secretId: 'AKID12345' }, 'secretId', expect.stringMatching(/10–64 characters/)],
      ['a Secret ID of 65 characters', { secretId: `AKID${'a'.repeat(61)}` }, 'secretId', expect.stringMatching(/10–64 characters/)],
      ['a description of 301 characters', { description: 'd'.repeat(301) }, 'description', 'At most 300 characters.'],
      ['an empty Secret Key', { secretKey: '' }, 'secretKey', 'Paste the Secret Key that goes with the Secret ID.'],
    ])('refuses %s without asking Tencent', async (_label, overrides, field, message) => {
      expect(await accounts.add(anInput(overrides), 'U0TENANT1')).toEqual({ ok: false, errors: { [field]: message } });
      expect(tencent.requestsFor('DescribeRegions')).toEqual([]);
    });

    it('accepts Secret IDs of exactly 10 and 64 characters', async () => {
      tencent.registerAccount({ secretId: 'AKID123456', secretKey: 'k10' });
      tencent.registerAccount({ secretId: `AKID${'b'.repeat(60)}`, secretKey: 'k64' });
      expect((await accounts.add(anInput({ name: 'short', secretId: 'AKID123456', secretKey: 'k10' }), 'U0TENANT1')).ok).toBe(true);
      expect((await accounts.add(anInput({ name: 'long', secretId: `AKID${'b'.repeat(60)}`, secretKey: 'k64' }), 'U0TENANT1')).ok).toBe(true);
    });

    it('refuses a name already used in the same scope, whatever its case, without asking Tencent', async () => {
      await accounts.add(anInput(), 'U0TENANT1');
      tencent.clearRequests();
      expect(await accounts.add(anInput({ name: 'PROD', ...OTHER }), 'U0TENANT1')).toEqual({
        ok: false,
        errors: { name: 'There is already a cloud account called PROD in the tenant.' },
      });
      expect(tencent.requestsFor('DescribeRegions')).toEqual([]);
    });

    it('allows the same name in two projects, and in a project and the tenant', async () => {
      await accounts.add(anInput({ scope: { kind: 'project', project: 'platform' } }), 'U0PADMIN1');
      const data = await accounts.add(anInput({ scope: { kind: 'project', project: 'data' } }), 'U0DADMIN1');
      const tenant = await accounts.add(anInput(), 'U0TENANT1');
      expect([data.ok, tenant.ok]).toEqual([true, true]);
      expect(stored().map((a) => a.scope)).toEqual([
        { kind: 'project', project: 'platform' },
        { kind: 'project', project: 'data' },
        { kind: 'tenant' },
      ]);
    });

    it('saves only one of two accounts submitted with the same name at once', async () => {
      const results = await Promise.all([accounts.add(anInput(), 'U0TENANT1'), accounts.add(anInput({ ...OTHER }), 'U0TENANT2')]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.find((r) => !r.ok)).toEqual({ ok: false, errors: { name: 'There is already a cloud account called prod in the tenant.' } });
      expect(stored()).toHaveLength(1);
    });
  });

  it('decrypts the credential for Tencent calls', async () => {
    const result = await accounts.add(anInput(), 'U0TENANT1');
    expect(result.ok && accounts.credentialFor(result.account.id)).toEqual(KEY);
  });

  it('lists accounts without any Secret Key, the Secret ID masked', async () => {
    await accounts.add(anInput(), 'U0TENANT1');
    const listed = accounts.list();
    expect(listed).toEqual([expect.objectContaining({ name: 'prod', secretIdMasked: 'AKID****0001' })]);
    expect(JSON.stringify(listed)).not.toContain(KEY.secretKey);
    expect(JSON.stringify(listed)).not.toContain(KEY.secretId);
    expect(Object.keys(listed[0] ?? {})).not.toContain('secretKey');
  });

  it('masks a Secret ID to AKID, four stars and its last four characters', () => {
    expect(maskSecretId('AKIDz8krbsJ5yKBZQpn74WFkmLPx3abcd')).toBe('AKID****abcd');
  });

  it("offers in a channel the tenant accounts and that channel's project accounts only", async () => {
    await accounts.add(anInput({ name: 'shared' }), 'U0TENANT1');
    await accounts.add(anInput({ name: 'plat', scope: { kind: 'project', project: 'platform' } }), 'U0PADMIN1');
    await accounts.add(anInput({ name: 'lake', scope: { kind: 'project', project: 'data' } }), 'U0DADMIN1');
    expect(accounts.usableIn('C0PLATFORM', policy).map((a) => a.name)).toEqual(['plat', 'shared']);
    expect(accounts.usableIn('C0DATA', policy).map((a) => a.name)).toEqual(['lake', 'shared']);
    expect(accounts.usableIn('C0ELSEWHERE', policy).map((a) => a.name)).toEqual(['shared']);
  });

  it("refuses a project's account to someone in another project's channel", async () => {
    const added = await accounts.add(anInput({ scope: { kind: 'project', project: 'platform' } }), 'U0PADMIN1');
    const id = added.ok ? added.account.id : '';
    expect(await accounts.checkUse(id, { user: 'U0PADMIN1', channel: 'C0PLATFORM' }, policy)).toEqual({ allowed: true });
    const refused = await accounts.checkUse(id, { user: 'U0DADMIN1', channel: 'C0DATA' }, policy);
    expect(refused).toMatchObject({ allowed: false, refusal: { kind: 'accountOfAnotherProject', project: 'platform' } });
    expect(refused.allowed ? '' : policyRefusalText(refused.refusal)).toContain('belongs to project platform');
    const gone = await accounts.checkUse('acct-gone', { user: 'U0PADMIN1', channel: 'C0PLATFORM' }, policy);
    expect(gone).toEqual({ allowed: false, refusal: { kind: 'accountGone' } });
    expect(gone.allowed ? '' : policyRefusalText(gone.refusal)).toBe('This cloud account no longer exists; pick another one.');
  });

  it('offers tenant scope to tenant admins only, and project scope to the project admins', async () => {
    expect(await accounts.addableScopes({ user: 'U0TENANT1', channel: 'C0PLATFORM' }, policy)).toEqual([
      { kind: 'tenant' },
      { kind: 'project', project: 'platform' },
    ]);
    expect(await accounts.addableScopes({ user: 'U0PADMIN1', channel: 'C0PLATFORM' }, policy)).toEqual([
      { kind: 'project', project: 'platform' },
    ]);
    expect(await accounts.addableScopes({ user: 'U0PADMIN1', channel: 'C0DATA' }, policy)).toEqual([]);
    expect(await accounts.addableScopes({ user: 'U0TENANT1', channel: 'C0ELSEWHERE' }, policy)).toEqual([{ kind: 'tenant' }]);
  });

  describe('removing', () => {
    it('removes an account no cluster uses, and audits it', async () => {
      await accounts.add(anInput(), 'U0TENANT1');
      expect(await accounts.remove('prod', { kind: 'tenant' }, 'U0TENANT1')).toMatchObject({ ok: true, account: { name: 'prod' } });
      expect(stored()).toEqual([]);
      expect(audit().map((e) => [e.actor, e.action, e.detail.name])).toEqual([
        ['U0TENANT1', 'account.add', 'prod'],
        ['U0TENANT1', 'account.remove', 'prod'],
      ]);
    });

    it('refuses while a cluster that is not deleted uses the account, naming it', async () => {
      const added = await accounts.add(anInput(), 'U0TENANT1');
      const id = added.ok ? added.account.id : '';
      await store.update((data) => {
        data.clusters.push(aClusterOf(id, 'Deleting', 'web'), aClusterOf(id, 'Deleted', 'old'), aClusterOf(id, 'DeletedForced', 'stuck'));
      });
      expect(await accounts.remove('prod', { kind: 'tenant' }, 'U0TENANT1')).toEqual({ ok: false, reason: 'in_use', clusters: ['web'] });
      expect(stored()).toHaveLength(1);
    });

    it('removes an account whose clusters are all deleted', async () => {
      const added = await accounts.add(anInput(), 'U0TENANT1');
      const id = added.ok ? added.account.id : '';
      await store.update((data) => {
        data.clusters.push(aClusterOf(id, 'Deleted', 'old'));
      });
      expect((await accounts.remove('prod', { kind: 'tenant' }, 'U0TENANT1')).ok).toBe(true);
    });

    it('only removes the account of the scope asked for', async () => {
      await accounts.add(anInput(), 'U0TENANT1');
      await accounts.add(anInput({ scope: { kind: 'project', project: 'platform' } }), 'U0PADMIN1');
      expect(await accounts.remove('prod', { kind: 'project', project: 'data' }, 'U0DADMIN1')).toEqual({ ok: false, reason: 'not_found' });
      await accounts.remove('prod', { kind: 'project', project: 'platform' }, 'U0PADMIN1');
      expect(stored().map((a) => a.scope)).toEqual([{ kind: 'tenant' }]);
    });
  });
});

import type { KnownBlock, ModalView } from '@slack/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { viewProblems } from '../../src/sandbox/slack/limits.js';
import { checkClusterSpec, checkPacks, MAX_WORKER_POOLS } from '../../src/services/cluster-spec.js';
import type { FieldErrors } from '../../src/services/cluster-spec.js';
import { createProfileCatalog, loadProfiles } from '../../src/services/profiles.js';
import type { Profile, ProfileCatalog } from '../../src/services/profiles.js';
import type { ClusterSpec, WizardForm, WizardOptions, WizardPoolForm } from '../../src/services/store-schema.js';
import { ActionIds, BlockIds, CallbackIds } from '../../src/views/ids.js';
import { basicsView } from '../../src/views/wizard/basics.js';
import { parseWizardMetadata, wizardExpiredView } from '../../src/views/wizard/common.js';
import { applyState, blockIdFor, errorsForBlocks, fieldOfBlock } from '../../src/views/wizard/fields.js';
import { MAX_EDITABLE_PACKS, packsView } from '../../src/views/wizard/packs.js';
import { placementView } from '../../src/views/wizard/placement.js';
import { poolsView } from '../../src/views/wizard/pools.js';
import { reviewView } from '../../src/views/wizard/review.js';
import { stateValues } from '../support/payloads.js';
import { aPoolForm, aWizardForm, aWizardOptions } from '../support/wizard-forms.js';

type Json = Record<string, unknown>;

// ---- fixtures --------------------------------------------------------------------------------

let profiles: ProfileCatalog;
let mariadb: Profile;
beforeAll(async () => {
  profiles = await loadProfiles('data/profiles');
  mariadb = profiles.get('ubuntu-mariadb') as Profile;
});

const long = (n: number, seed = 'x') => seed.repeat(Math.ceil(n / seed.length)).slice(0, n);
const DRAFT = 'dTESTdraft01';
const accounts = [{ id: 'acct-1', name: 'prod', scope: 'tenant' }];
const profileList = () => profiles.list().map((p) => ({ name: p.name, description: p.description }));

/** Options far beyond what one select may hold, with names longer than an option's text. */
function hugeOptions(): WizardOptions {
  const zones = Array.from({ length: 120 }, (_, i) => `ap-guangzhou-${i + 1}`);
  return {
    accountId: 'acct-1',
    regions: Array.from({ length: 150 }, (_, i) => ({ region: `ap-region-${i}`, name: long(90, 'Region ') })).concat([
      { region: 'ap-guangzhou', name: 'South China (Guangzhou)' },
    ]),
    region: 'ap-guangzhou',
    keyPairs: Array.from({ length: 150 }, (_, i) => ({ keyId: `skey-${i}`, keyName: long(90, 'key ') })).concat([{ keyId: 'skey-demo0001', keyName: 'ops' }]),
    vpcs: Array.from({ length: 150 }, (_, i) => ({ vpcId: `vpc-${i}`, name: long(90, 'vpc '), cidr: '10.0.0.0/16' })).concat([
      { vpcId: 'vpc-gzdemo01', name: 'Default-VPC', cidr: '172.16.0.0/16' },
    ]),
    zones: zones.map((zone) => ({ zone, name: long(80, 'Zone ') })),
    vpcId: 'vpc-gzdemo01',
    subnets: zones.map((zone, i) => ({ subnetId: `subnet-${i}`, vpcId: 'vpc-gzdemo01', name: long(90, 'subnet '), zone, cidr: `172.16.${i}.0/24` })),
    instanceTypes: Array.from({ length: 320 }, (_, i) => ({ instanceType: `F${i % 4}.SIZE${i}`, zone: 'ap-guangzhou-1', cpu: 2, memoryGb: 4, gpu: i % 7 })),
  };
}

const maxPools = (options: Partial<WizardPoolForm> = {}) =>
  Array.from({ length: MAX_WORKER_POOLS }, (_, i) => aPoolForm({ key: `p${i + 1}`, name: long(60, `pool${i}-`), ...options }));

function fullSpec(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  const checked = checkClusterSpec(aWizardForm(), { isNameTaken: () => false, accountRefusal: undefined, profiles, options: aWizardOptions() });
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return { ...checked.value, ...overrides };
}

/** A profile with more add-on packs than one modal can show, every one with 3000 characters of values. */
function crowdedProfile(): Profile {
  const addons = Array.from({ length: MAX_EDITABLE_PACKS + 10 }, (_, i) => ({
    name: `addon-${i}`,
    chart: long(60, 'chart-'),
    version: '1.0.0',
    repository: `https://${long(60, 'charts-')}.example.com`,
    namespace: 'default',
    values: `note: ${long(2990)}`,
  }));
  return createProfileCatalog([{ ...mariadb, name: 'crowded', layers: { ...mariadb.layers, addons } }]).get('crowded') as Profile;
}

const longNotice = `Fix this before deploying:\n${long(5000, 'problem ')}`;

/** Every view the wizard can produce, by name. */
function everyView(): Record<string, ModalView> {
  const views: Record<string, ModalView> = {
    'basics, empty, no account, no profile': basicsView({ draftId: DRAFT, form: aWizardForm({ name: '', tags: '' }), accounts: [], profiles: [] }),
    'basics, filled in': basicsView({ draftId: DRAFT, form: aWizardForm(), accounts, profiles: profileList() }),
    'basics, 150 accounts with long names, long tags, notice': basicsView({
      draftId: DRAFT,
      form: aWizardForm({ tags: long(5000, 'k:v\n'), name: long(80), description: long(400) }),
      accounts: Array.from({ length: 150 }, (_, i) => ({ id: `acct-${i}`, name: long(60, 'account'), scope: long(50, 'project ') })),
      profiles: Array.from({ length: 150 }, (_, i) => ({ name: `profile-${i}`, description: long(300, 'desc ') })),
      notice: longNotice,
    }),
    'expired': wizardExpiredView(),
  };
  for (const profile of profiles.list()) views[`packs, ${profile.name}`] = packsView({ draftId: DRAFT, form: aWizardForm(), profile });
  views['packs, crowded profile with 3000-character values'] = packsView({ draftId: DRAFT, form: aWizardForm({ profile: 'crowded' }), profile: crowdedProfile(), notice: longNotice });

  const loaded = aWizardOptions();
  const placement = (form: Partial<WizardForm>, options: WizardOptions) => placementView({ draftId: DRAFT, form: aWizardForm(form), options });
  views['placement, loading regions'] = placement({ region: undefined, keyPairId: undefined, vpcId: undefined, subnetId: undefined }, {});
  views['placement, no region for the account'] = placement({ region: undefined, keyPairId: undefined, vpcId: undefined, subnetId: undefined }, { accountId: 'acct-1', regions: [] });
  views['placement, regions loaded'] = placement({ region: undefined, keyPairId: undefined, vpcId: undefined, subnetId: undefined }, { accountId: 'acct-1', regions: loaded.regions });
  views['placement, loading the region'] = placement({ vpcId: undefined }, { accountId: 'acct-1', regions: loaded.regions });
  views['placement, loading subnets'] = placement({}, { ...loaded, vpcId: undefined, subnets: undefined });
  views['placement, complete'] = placement({}, loaded);
  views['placement, private'] = placement({ endpointAccess: 'private', publicCidrs: '' }, loaded);
  views['placement, no key pair, VPC or subnet'] = placement({}, { ...loaded, keyPairs: [], vpcs: [], subnets: [] });
  views['placement, Tencent error'] = placement({}, {
    accountId: 'acct-1',
    error: { what: 'regions (DescribeRegions)', code: 'AuthFailure.UnauthorizedOperation', message: long(4000, 'no '), requestId: 'req-1' },
  });
  views['placement, 150 of everything, long CIDR list'] = placementView({
    draftId: DRAFT,
    form: aWizardForm({ vpcId: 'vpc-gzdemo01', subnetId: 'subnet-1', publicCidrs: long(2900, '10.0.0.0/8\n') }),
    options: hugeOptions(),
    notice: longNotice,
  });

  const pools = (form: Partial<WizardForm>, options: WizardOptions = loaded) => poolsView({ draftId: DRAFT, form: aWizardForm(form), options });
  views['pools, default'] = pools({});
  views['pools, none'] = pools({ pools: [] });
  views['pools, sizes typed out of range'] = pools({ pools: [aPoolForm({ minSize: '-1', desiredSize: '999', maxSize: '500', diskGb: '4096' })] });
  views['pools, loading instance types'] = pools({}, { ...loaded, instanceTypes: undefined });
  views['pools, no type sold in every zone'] = pools({ pools: [aPoolForm({ zones: ['ap-guangzhou-3', 'ap-guangzhou-4'] })] }, { ...loaded, instanceTypes: [] });
  views['pools, maximum, parallel, with an error notice'] = poolsView({
    draftId: DRAFT,
    form: aWizardForm({ pools: maxPools(), parallelPoolUpdates: true }),
    options: loaded,
    notice: longNotice,
  });
  views['pools, maximum, 120 zones, 320 instance types, Tencent error'] = poolsView({
    draftId: DRAFT,
    form: aWizardForm({ vpcId: 'vpc-gzdemo01', pools: maxPools({ zones: ['ap-guangzhou-1'], instanceType: 'F1.SIZE1' }) }),
    options: { ...hugeOptions(), error: { what: 'subnets', code: 'RequestLimitExceeded', message: 'slow down' } },
    notice: longNotice,
  });

  const review = (spec: ClusterSpec, notice?: string) =>
    reviewView({ draftId: DRAFT, spec, accountName: 'prod', profile: mariadb, os: 'ubuntu18.04.1x86_64', options: loaded, notice });
  views['review'] = review(fullSpec());
  views['review, maximum pools, 49 long tags, 50 CIDRs, private & public'] = review(
    fullSpec({
      tags: Array.from({ length: 49 }, (_, i) => ({ key: long(127, `k${i}`), value: long(255, 'v') })),
      publicCidrs: Array.from({ length: 50 }, (_, i) => `10.${i}.0.0/16`),
      endpointAccess: 'private-public',
      description: long(255),
      workerPools: Array.from({ length: MAX_WORKER_POOLS }, (_, i) => ({
        name: long(60, `pool${i}`),
        minSize: 0,
        desiredSize: 100,
        maxSize: 200,
        instanceType: 'S5.MEDIUM4',
        zones: Array.from({ length: 100 }, (_, z) => `ap-guangzhou-${z}`),
        diskGb: 2040,
      })),
    }),
    longNotice,
  );
  return views;
}

describe("every wizard view stays within Slack's limits", () => {
  it('walks every step in every shape: empty, loading, failed, crowded, maximum pools', () => {
    const views = everyView();
    expect(Object.keys(views).length).toBeGreaterThanOrEqual(25);
    const problems = Object.entries(views).flatMap(([name, view]) => viewProblems(view).map((p) => `${name}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('shows the maximum number of worker pools in at most 100 blocks', () => {
    const view = poolsView({ draftId: DRAFT, form: aWizardForm({ pools: maxPools() }), options: aWizardOptions(), notice: 'n' });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(view.blocks.filter((b) => b.block_id?.endsWith(':name'))).toHaveLength(MAX_WORKER_POOLS);
  });

  it('keeps private_metadata a small versioned pointer', () => {
    for (const view of Object.values(everyView()).filter((v) => v.callback_id !== CallbackIds.wizardExpired)) {
      expect(parseWizardMetadata(view.private_metadata)).toMatchObject({ v: 1, draftId: DRAFT });
    }
  });
});

// ---- what the steps show ---------------------------------------------------------------------

const blocksOf = (view: ModalView) => view.blocks as KnownBlock[];
const blockFor = (view: ModalView, key: Parameters<typeof fieldOfBlock>[0]) => blocksOf(view).find((b) => b.block_id && fieldOfBlock(b.block_id) === key);
const elementOf = (block: KnownBlock | undefined) => (block?.type === 'input' ? (block.element as unknown as Json) : undefined);
const optionValues = (element: Json | undefined) =>
  [...((element?.options as Json[] | undefined) ?? []), ...((element?.option_groups as { options: Json[] }[] | undefined) ?? []).flatMap((g) => g.options)].map((o) => o.value);
const allText = (view: ModalView) => JSON.stringify(view.blocks);

describe('basic information', () => {
  it('offers the usable cloud accounts with a "+ Cloud account" button, and the cluster profiles', () => {
    const view = basicsView({ draftId: DRAFT, form: aWizardForm({ accountId: undefined }), accounts, profiles: profileList() });
    expect(view.callback_id).toBe(CallbackIds.wizardBasics);
    expect(optionValues(elementOf(blockFor(view, 'accountId')))).toEqual(['acct-1']);
    expect(allText(view)).toContain(ActionIds.wizardAddAccount);
    expect(optionValues(elementOf(blockFor(view, 'profile')))).toEqual(['centos-gpu', 'ubuntu-mariadb', 'ubuntu-standard']);
    expect(elementOf(blockFor(view, 'name'))).toMatchObject({ max_length: 60, initial_value: 'payments-prod' });
  });

  it('renames the cloud account block when the account list changes, and reads the choice back from the renamed block', () => {
    const view = (list: typeof accounts) => basicsView({ draftId: DRAFT, form: aWizardForm({ accountId: 'acct-1' }), accounts: list, profiles: profileList() });
    const one = blockFor(view(accounts), 'accountId')?.block_id ?? '';
    const two = blockFor(view([...accounts, { id: 'acct-2', name: 'staging', scope: 'tenant' }]), 'accountId')?.block_id ?? '';
    expect(one.startsWith(`${BlockIds.wizardAccount}@`)).toBe(true);
    expect(two).not.toBe(one);
    expect(blockFor(view(accounts), 'accountId')?.block_id).toBe(one);
    const picked = (blockId: string) => ({ [blockId]: { [ActionIds.wizardAccount]: { type: 'static_select', selected_option: { value: 'acct-2' } } } });
    expect(applyState(aWizardForm({ accountId: 'acct-1' }), picked(two)).accountId).toBe('acct-2');
    expect(errorsForBlocks({ accountId: 'Choose a cloud account' }, [two])).toEqual({ inline: { [two]: 'Choose a cloud account' } });
  });
});

describe('packs', () => {
  it('shows one YAML field per pack, the OS pack first, pre-filled with the profile values', () => {
    const view = packsView({ draftId: DRAFT, form: aWizardForm({ packs: {} }), profile: mariadb });
    const fields = blocksOf(view).filter((b) => b.type === 'input');
    expect(fields.map((b) => b.block_id)).toEqual([`${BlockIds.wizardPack}:ubuntu`, `${BlockIds.wizardPack}:mariadb`]);
    expect(elementOf(fields[0])).toMatchObject({ multiline: true, initial_value: mariadb.layers.os.values.slice(0, 3000) });
    expect(elementOf(fields[1])?.initial_value).toBe(mariadb.layers.addons[0]?.values);
  });

  it('shows what the user typed rather than the defaults', () => {
    const view = packsView({ draftId: DRAFT, form: aWizardForm({ packs: { mariadb: 'replicaCount: 2' } }), profile: mariadb });
    expect(elementOf(blockFor(view, 'pack:mariadb'))?.initial_value).toBe('replicaCount: 2');
  });
});

describe('placement', () => {
  it('dispatches region, VPC and endpoint access changes so dependent choices load', () => {
    const view = placementView({ draftId: DRAFT, form: aWizardForm(), options: aWizardOptions() });
    for (const key of ['region', 'vpcId', 'endpointAccess'] as const) expect(blockFor(view, key)).toMatchObject({ dispatch_action: true });
    expect(blockFor(view, 'keyPairId')?.block_id).toBe(`${BlockIds.wizardKeyPair}@ap-guangzhou`);
    expect(blockFor(view, 'subnetId')?.block_id).toBe(`${BlockIds.wizardSubnet}@vpc-gzdemo01`);
  });

  it('chooses Public endpoint access by default and asks for CIDRs only with public access', () => {
    const fresh = placementView({ draftId: DRAFT, form: aWizardForm({ endpointAccess: 'public' }), options: aWizardOptions() });
    expect(elementOf(blockFor(fresh, 'endpointAccess'))?.initial_option).toMatchObject({ value: 'public' });
    expect(blockFor(fresh, 'publicCidrs')).toBeDefined();
    const privateOnly = placementView({ draftId: DRAFT, form: aWizardForm({ endpointAccess: 'private' }), options: aWizardOptions() });
    expect(blockFor(privateOnly, 'publicCidrs')).toBeUndefined();
  });

  it('says Tencent reports no region for the cloud account instead of a region select without options', () => {
    const view = placementView({ draftId: DRAFT, form: aWizardForm({ region: undefined }), options: { accountId: 'acct-1', regions: [] } });
    expect(viewProblems(view)).toEqual([]);
    expect(blockFor(view, 'region')).toBeUndefined();
    expect(allText(view)).toContain('Tencent reports no region available to this cloud account');
    expect(allText(view)).not.toContain(':hourglass_flowing_sand:');
  });

  it("shows Tencent's error code, message and request id with a Retry button", () => {
    const view = placementView({
      draftId: DRAFT,
      form: aWizardForm(),
      options: { accountId: 'acct-1', error: { what: 'regions (DescribeRegions)', code: 'AuthFailure.SecretIdNotFound', message: 'The SecretId is not found.', requestId: 'req-42' } },
    });
    const error = blocksOf(view).find((b) => b.block_id === BlockIds.wizardLoadError);
    expect(JSON.stringify(error)).toContain('*AuthFailure.SecretIdNotFound*: The SecretId is not found. (request id `req-42`)');
    expect(JSON.stringify(error)).toContain(ActionIds.wizardRetryLoad);
  });
});

describe('worker pools', () => {
  it('starts with one worker pool, offers zones with a subnet in the VPC and Add/Remove buttons', () => {
    const view = poolsView({ draftId: DRAFT, form: aWizardForm(), options: aWizardOptions() });
    expect(optionValues(elementOf(blockFor(view, 'pool:p1:zones')))).toEqual(['ap-guangzhou-3', 'ap-guangzhou-4', 'ap-guangzhou-6']);
    expect(allText(view)).toContain(ActionIds.wizardAddPool);
    expect(allText(view)).toContain(ActionIds.wizardRemovePool);
    expect(elementOf(blockFor(view, 'pool:p1:desiredSize'))).toMatchObject({ type: 'number_input', is_decimal_allowed: false, initial_value: '2' });
  });

  it('shows a typed size again only within its min..max, so Slack takes the view', () => {
    const view = poolsView({ draftId: DRAFT, form: aWizardForm({ pools: [aPoolForm({ minSize: '-1', desiredSize: '2', maxSize: '500', diskGb: '10' })] }), options: aWizardOptions() });
    expect(viewProblems(view)).toEqual([]);
    expect(elementOf(blockFor(view, 'pool:p1:maxSize'))).toMatchObject({ min_value: '1', max_value: '200' });
    for (const field of ['minSize', 'maxSize', 'diskGb'] as const) expect(elementOf(blockFor(view, `pool:p1:${field}`))).not.toHaveProperty('initial_value');
    expect(elementOf(blockFor(view, 'pool:p1:desiredSize'))).toMatchObject({ initial_value: '2' });
    const edges = poolsView({ draftId: DRAFT, form: aWizardForm({ pools: [aPoolForm({ minSize: '0', maxSize: '200' })] }), options: aWizardOptions() });
    expect(elementOf(blockFor(edges, 'pool:p1:minSize'))).toMatchObject({ initial_value: '0' });
    expect(elementOf(blockFor(edges, 'pool:p1:maxSize'))).toMatchObject({ initial_value: '200' });
  });

  it('offers only the instance types sold in every chosen zone', () => {
    const view = poolsView({ draftId: DRAFT, form: aWizardForm({ pools: [aPoolForm({ zones: ['ap-guangzhou-4'] })] }), options: aWizardOptions() });
    expect(optionValues(elementOf(blockFor(view, 'pool:p1:instanceType')))).toEqual(['S5.MEDIUM4']);
  });

  it('groups more than 100 instance types by family', () => {
    const options = hugeOptions();
    const view = poolsView({ draftId: DRAFT, form: aWizardForm({ pools: [aPoolForm({ zones: ['ap-guangzhou-1'] })] }), options });
    const element = elementOf(blockFor(view, 'pool:p1:instanceType'));
    expect((element?.option_groups as unknown[]).length).toBe(4);
    expect(optionValues(element)).toHaveLength(320);
  });

  it('hides Add worker pool at the maximum', () => {
    const view = poolsView({ draftId: DRAFT, form: aWizardForm({ pools: maxPools() }), options: aWizardOptions() });
    expect(allText(view)).not.toContain(ActionIds.wizardAddPool);
  });
});

describe('review', () => {
  it('shows the whole spec with Deploy as the submit button', () => {
    const view = reviewView({ draftId: DRAFT, spec: fullSpec(), accountName: 'prod', profile: mariadb, os: 'ubuntu18.04.1x86_64', options: aWizardOptions() });
    expect(view).toMatchObject({ callback_id: CallbackIds.wizardReview, submit: { text: 'Deploy' } });
    const text = allText(view);
    for (const shown of ['payments-prod', 'team:payments', 'South China (Guangzhou)', 'ops-team', 'Default-VPC', 'subnet-gz03dft1', '203.0.113.0/24', 'S5.MEDIUM4', 'ap-guangzhou-3', '50 GB', 'ubuntu18.04.1x86_64']) {
      expect(text).toContain(shown);
    }
  });

  it('escapes what users and Tencent typed, so it cannot turn into a link or a mention', () => {
    const options = aWizardOptions();
    const vpcs = options.vpcs?.map((v) => ({ ...v, name: 'Prod <&> VPC' }));
    const view = reviewView({
      draftId: DRAFT,
      spec: fullSpec({ description: 'See <https://evil.example|the console> <!here> & more' }),
      accountName: 'ops <team>',
      profile: mariadb,
      os: 'ubuntu18.04.1x86_64',
      options: { ...options, ...(vpcs ? { vpcs } : {}) },
    });
    const text = allText(view);
    expect(text).toContain('Description: See &lt;https://evil.example|the console&gt; &lt;!here&gt; &amp; more');
    expect(text).toContain('*Cloud account:* ops &lt;team&gt;');
    expect(text).toContain('Prod &lt;&amp;&gt; VPC');
    expect(text).not.toMatch(/<!here>|<!channel>|<https:\/\/evil/);
  });
});

// ---- from Slack state to the form, from errors to blocks -----------------------------------------

describe('view state and errors', () => {
  it('reads what the user typed and picked back into the form', () => {
    const view = poolsView({ draftId: DRAFT, form: aWizardForm({ pools: [aPoolForm(), aPoolForm({ key: 'p2', name: 'second' })] }), options: aWizardOptions() });
    const second = (field: string) => blocksOf(view).find((b) => b.block_id?.startsWith(`${BlockIds.wizardPool}:p2:${field}`))?.block_id ?? '';
    const values = stateValues(view, {
      [ActionIds.wizardParallel]: ['parallel'],
      [second('desiredSize')]: '3',
      [second('maxSize')]: '5',
      [second('zones')]: ['ap-guangzhou-3', 'ap-guangzhou-6'],
      [second('instanceType')]: 'GN7.2XLARGE32',
    });
    const form = applyState(aWizardForm({ pools: [aPoolForm(), aPoolForm({ key: 'p2', name: 'second' })] }), values);
    expect(form.parallelPoolUpdates).toBe(true);
    expect(form.pools[0]).toEqual(aPoolForm());
    expect(form.pools[1]).toMatchObject({ desiredSize: '3', maxSize: '5', zones: ['ap-guangzhou-3', 'ap-guangzhou-6'], instanceType: 'GN7.2XLARGE32' });
  });

  it('forgets the key pair, VPC and subnet when the region changes', () => {
    const view = placementView({ draftId: DRAFT, form: aWizardForm(), options: aWizardOptions() });
    const form = applyState(aWizardForm(), stateValues(view, { [ActionIds.wizardRegion]: 'ap-shanghai' }));
    expect(form).toMatchObject({ region: 'ap-shanghai', keyPairId: undefined, vpcId: undefined, subnetId: undefined });
  });

  it('puts each error on the block of its field, whatever the block variant', () => {
    const view = poolsView({ draftId: DRAFT, form: aWizardForm(), options: aWizardOptions() });
    const errors: FieldErrors = { 'pool:p1:desiredSize': 'too many', 'pool:p1:instanceType': 'not sold', workerPools: 'add one' };
    expect(errorsForBlocks(errors, view.blocks.flatMap((b) => b.block_id ?? []))).toEqual({
      inline: {
        [blockIdFor('pool:p1:desiredSize')]: 'too many',
        [blockFor(view, 'pool:p1:instanceType')?.block_id ?? '?']: 'not sold',
        [BlockIds.wizardPoolsSettings]: 'add one',
      },
    });
  });

  it('gives a notice instead when no field in error is in the view', () => {
    expect(errorsForBlocks({ region: 'Choose a region', keyPairId: 'Choose an SSH key pair' }, [BlockIds.wizardName])).toEqual({
      notice: 'Choose a region\nChoose an SSH key pair',
    });
  });

  it('escapes what the user typed in a notice, which Slack reads as mrkdwn, but keeps tkeops’ own mentions in other notices', () => {
    const shown = errorsForBlocks({ tags: 'Line 1 (<!channel>): not key:value' }, [BlockIds.wizardName]);
    expect(shown).toEqual({ notice: 'Line 1 (&lt;!channel&gt;): not key:value' });
    const refusal = basicsView({ draftId: DRAFT, form: aWizardForm(), accounts, profiles: profileList(), notice: 'Only tenant admins (<@U0TENANT1>) may add a cloud account here.' });
    expect(allText(refusal)).toContain(':warning: Only tenant admins (<@U0TENANT1>) may add a cloud account here.');
  });

  it('keeps inline errors on the blocks the view has when another field in error has none, adding its message to the first', () => {
    // A new region was chosen: its key pairs and VPCs are listed, no VPC picked yet, so no subnet block.
    const form = aWizardForm({ region: 'ap-guangzhou', keyPairId: undefined, vpcId: undefined, subnetId: undefined, publicCidrs: 'nope' });
    const view = placementView({ draftId: DRAFT, form, options: aWizardOptions() });
    const blockIds = view.blocks.flatMap((b) => b.block_id ?? []);
    expect(blockIds.some((id) => fieldOfBlock(id) === 'subnetId')).toBe(false);
    const errors: FieldErrors = { vpcId: 'Choose a VPC', subnetId: 'Choose a subnet', publicCidrs: 'Not a CIDR: nope' };

    expect(errorsForBlocks(errors, blockIds)).toEqual({
      inline: {
        [blockFor(view, 'vpcId')?.block_id ?? '?']: 'Choose a VPC\nAlso: Choose a subnet',
        [blockIdFor('publicCidrs')]: 'Not a CIDR: nope',
      },
    });
  });

  it('maps every pack error to the pack field the packs step shows', () => {
    const result = checkPacks(aWizardForm({ packs: { ubuntu: 'OsName: nope', mariadb: 'persistence:\n  size: 5Gi' } }), mariadb);
    const view = packsView({ draftId: DRAFT, form: aWizardForm(), profile: mariadb });
    expect(result.ok).toBe(false);
    const shown = errorsForBlocks(result.ok ? {} : result.errors, view.blocks.flatMap((b) => b.block_id ?? []));
    expect(Object.keys('inline' in shown ? shown.inline : {})).toEqual([
      `${BlockIds.wizardPack}:ubuntu`,
      `${BlockIds.wizardPack}:mariadb`,
    ]);
  });

  it('treats unreadable private_metadata as expired', () => {
    expect(parseWizardMetadata('{"v":2,"draftId":"d"}')).toBeUndefined();
    expect(parseWizardMetadata('not json')).toBeUndefined();
  });
});

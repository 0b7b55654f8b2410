import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KnownBlock, ModalView } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import type { FieldKey } from '../../src/services/cluster-spec.js';
import type { RecordedRequest } from '../../src/sandbox/tke/index.js';
import { ActionIds, BlockIds, CallbackIds } from '../../src/views/ids.js';
import { messageUrl } from '../../src/views/cluster-format.js';
import { fieldOfBlock } from '../../src/views/wizard/fields.js';
import { CHANNELS, DEFAULT_POLICY_YAML, startTestBot, TENCENT, USERS, type TestBot } from '../support/bot.js';
import { fullDisk, type FullDisk } from '../support/full-disk.js';
import { STORE_WRITE_PROBLEM } from '../../src/slack/store-write-errors.js';
import { viewBlockAction, viewSubmission, type UserInput } from '../support/payloads.js';
import type { SendOptions, SlackHttpResult } from '../support/slack-requests.js';
import { mariadbReleaseRequest } from '../support/releases.js';
import { until } from '../support/until.js';

const LOADING = ':hourglass_flowing_sand:';
const RUNNING_AFTER_MS = 60_000;
/** What tkeops may ask Tencent while the wizard is open: reads only (Describe*, and the review's price inquiries). */
const isWrite = (r: RecordedRequest) => !/^(Describe|InquiryPrice)/.test(r.action) && r.action !== 'GetClusterLevelPrice';

/** Drives the wizard modal the way a user in Slack does, following the view the bot shows. */
class WizardUser {
  view!: ModalView;
  viewId!: string;
  constructor(
    private readonly t: TestBot,
    readonly user: string = USERS.member,
    readonly channel: string = CHANNELS.platform,
  ) {}

  private updates() {
    return this.t.slack.calls('views.update').filter((c) => c.body.view_id === this.viewId);
  }

  /** Waits until the bot has redrawn the view after `before` updates and nothing is loading any more. */
  private async settle(before: number, expectRedraw: boolean): Promise<void> {
    const loading = () => JSON.stringify(this.view.blocks).includes(LOADING);
    if (!expectRedraw && !loading()) return;
    const step = this.view.callback_id;
    const settled = () => {
      const last = this.updates().slice(before).at(-1)?.body.view as ModalView | undefined;
      // After a submission the redraw shows the step the submission moved to.
      return last && !JSON.stringify(last.blocks).includes(LOADING) && (expectRedraw || last.callback_id === step) ? last : undefined;
    };
    await this.t.slack.waitFor(() => settled() !== undefined);
    this.view = settled() as ModalView;
  }

  async open(text = 'create'): Promise<void> {
    const before = this.t.slack.calls('views.open').length;
    const reply = await this.t.send.command(text, { user: this.user, channel: this.channel });
    expect(reply).toMatchObject({ status: 200, text: '' });
    await this.t.slack.waitFor((calls) => calls.filter((c) => c.method === 'views.open').length > before);
    this.view = this.t.slack.calls('views.open').at(-1)?.body.view as ModalView;
    this.viewId = await until(() => this.t.bot.store.read((d) => d.drafts.at(-1)?.viewId), 'the wizard view id');
  }

  payload(input: UserInput) {
    return viewSubmission({ user: this.user, view: this.view, viewId: this.viewId, input });
  }

  /** Presses the modal's submit button with these fields typed or picked. */
  async submit(input: UserInput = {}, options?: SendOptions): Promise<SlackHttpResult> {
    const before = this.updates().length;
    const reply = await this.t.send.viewSubmission(this.payload(input), options);
    expect(reply.status).toBe(200);
    if (reply.json?.response_action === 'update') {
      this.view = reply.json.view as ModalView;
      await this.settle(before, false);
    }
    return reply;
  }

  /** Clicks a button or changes a dispatching input; the bot redraws the view. */
  async act(actionId: string, options: { value?: string; values?: string[]; blockId?: string; input?: UserInput } = {}): Promise<void> {
    const before = this.updates().length;
    const reply = await this.t.send.blockActions(viewBlockAction({ user: this.user, view: this.view, viewId: this.viewId, actionId, ...options }));
    expect(reply.status).toBe(200);
    await this.settle(before, true);
  }

  blockId(key: FieldKey): string {
    const found = (this.view.blocks as KnownBlock[]).find((b) => b.block_id !== undefined && fieldOfBlock(b.block_id) === key);
    if (!found?.block_id) throw new Error(`no block for ${key} in ${this.view.callback_id}`);
    return found.block_id;
  }

  get callbackId(): string | undefined {
    return this.view.callback_id;
  }
}

describe('/tke create: the cluster wizard, all the way to TKE', () => {
  let t: TestBot;
  let running: TestBot | undefined;
  let accountId: string;
  /** The store's file writes, which a test can make fail as a full disk. */
  let disk: FullDisk;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  /** The bot with a cloud account of project platform, added through the accounts service (Tencent checks it). */
  async function start(): Promise<TestBot> {
    disk = fullDisk();
    t = await startTestBot({ storeFiles: disk });
    running = t;
    const added = await t.bot.services.accounts.add(
      { name: 'prod', description: 'Production', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
      USERS.projectAdmin,
    );
    if (!added.ok) throw new Error(JSON.stringify(added.errors));
    accountId = added.account.id;
    t.tencent.clearRequests();
    return t;
  }

  const basics = (overrides: UserInput = {}): UserInput => ({
    [ActionIds.wizardName]: 'payments-prod',
    [ActionIds.wizardDescription]: 'Payments API, production',
    [ActionIds.wizardTags]: 'team:payments\ncost-center:cc-42',
    [ActionIds.wizardAccount]: accountId,
    [ActionIds.wizardProfile]: 'ubuntu-mariadb',
    ...overrides,
  });

  const mariadbValues = (size: string) =>
    t.bot.services.profiles.get('ubuntu-mariadb')?.layers.addons[0]?.values.replace('size: 20Gi', `size: ${size}`) ?? '';

  /** Region and VPC picked (each loads the next choices), then the rest of the placement typed. */
  async function placement(w: WizardUser, overrides: UserInput = {}): Promise<SlackHttpResult> {
    await w.act(ActionIds.wizardRegion, { value: 'ap-guangzhou', input: { [ActionIds.wizardRegion]: 'ap-guangzhou' } });
    await w.act(ActionIds.wizardVpc, { value: 'vpc-gzdemo01', input: { [ActionIds.wizardVpc]: 'vpc-gzdemo01' } });
    await w.act(ActionIds.wizardEndpointAccess, { value: 'private-public', input: { [ActionIds.wizardEndpointAccess]: 'private-public' } });
    return w.submit({
      [ActionIds.wizardKeyPair]: 'skey-demo0002',
      [ActionIds.wizardSubnet]: 'subnet-gz04dft1',
      [ActionIds.wizardPublicCidrs]: '203.0.113.0/24\n198.51.100.7',
      ...overrides,
    });
  }

  interface PoolInput {
    name: string;
    min: string;
    desired: string;
    max: string;
    zones: string[];
    type: string;
    disk: string;
  }
  const GENERAL: PoolInput = { name: 'general', min: '1', desired: '2', max: '4', zones: ['ap-guangzhou-3', 'ap-guangzhou-4'], type: 'S5.LARGE8', disk: '60' };
  // ubuntu-mariadb runs a plain (non-GPU) image, so its pools take non-GPU instance types.
  const BIG: PoolInput = { name: 'big', min: '0', desired: '1', max: '2', zones: ['ap-guangzhou-3', 'ap-guangzhou-6'], type: 'S5.2XLARGE16', disk: '100' };
  const SMALL: PoolInput = { name: 'small', min: '1', desired: '1', max: '1', zones: ['ap-guangzhou-4'], type: 'S5.MEDIUM4', disk: '50' };

  /** Adds pools until there are `pools.length`, picks each pool's zones (which filters its instance types), then submits. */
  async function workerPools(w: WizardUser, pools: PoolInput[], parallel: boolean): Promise<SlackHttpResult> {
    const keys = () => t.bot.store.read((d) => d.drafts.at(-1)?.form?.pools.map((p) => p.key) ?? []);
    while (keys().length < pools.length) await w.act(ActionIds.wizardAddPool);
    const input: UserInput = { [ActionIds.wizardParallel]: parallel ? ['parallel'] : [] };
    for (const [i, pool] of pools.entries()) {
      const key = keys()[i] ?? '';
      const zonesBlock = w.blockId(`pool:${key}:zones`);
      await w.act(ActionIds.wizardPoolZones, { blockId: zonesBlock, values: pool.zones, input: { [zonesBlock]: pool.zones } });
    }
    for (const [i, pool] of pools.entries()) {
      const key = keys()[i] ?? '';
      Object.assign(input, {
        [w.blockId(`pool:${key}:name`)]: pool.name,
        [w.blockId(`pool:${key}:minSize`)]: pool.min,
        [w.blockId(`pool:${key}:desiredSize`)]: pool.desired,
        [w.blockId(`pool:${key}:maxSize`)]: pool.max,
        [w.blockId(`pool:${key}:zones`)]: pool.zones,
        [w.blockId(`pool:${key}:instanceType`)]: pool.type,
        [w.blockId(`pool:${key}:diskGb`)]: pool.disk,
      });
    }
    return w.submit(input);
  }

  const STEP_CALLBACKS = {
    basics: CallbackIds.wizardBasics,
    packs: CallbackIds.wizardPacks,
    placement: CallbackIds.wizardPlacement,
    pools: CallbackIds.wizardPools,
  } as const;

  /**
   * The bot started and a member's wizard opened, then the steps before `step` submitted valid
   * (basics(), the packs as the profile has them, placement()); the wizard is on `step`.
   */
  async function wizardAt(step: keyof typeof STEP_CALLBACKS): Promise<WizardUser> {
    await start();
    const w = new WizardUser(t);
    await w.open();
    if (step !== 'basics') await w.submit(basics());
    if (step === 'placement' || step === 'pools') await w.submit();
    if (step === 'pools') await placement(w);
    expect(w.callbackId).toBe(STEP_CALLBACKS[step]);
    return w;
  }

  /** The bot started; basics → packs → placement → worker pools, every step valid; the wizard ends on the review step. */
  async function toReview(options: { pools?: PoolInput[]; parallel?: boolean; mariadbSize?: string } = {}): Promise<WizardUser> {
    const w = await wizardAt('packs');
    await w.submit({ [`${BlockIds.wizardPack}:mariadb`]: mariadbValues(options.mariadbSize ?? '30Gi') });
    await placement(w);
    await workerPools(w, options.pools ?? [GENERAL, BIG], options.parallel ?? true);
    expect(w.callbackId).toBe(CallbackIds.wizardReview);
    return w;
  }

  const clusters = () => t.bot.store.read((d) => d.clusters);
  const params = (r: RecordedRequest | undefined) => (r?.params ?? {}) as Record<string, unknown>;
  /** Waits until the bot has handled `submissions` Deploy submissions (cluster created, thread announced); returns the cluster. */
  const deployed = async (submissions = 1) => {
    await until(() => (t.logs.filter((l) => l.includes('"msg":"Deploy handled"')).length >= submissions ? true : undefined), 'Deploy to be handled');
    const [cluster] = clusters();
    if (!cluster) throw new Error('no cluster was recorded');
    return cluster;
  };

  it('carries every field the user typed to TKE, in the SDK field names', async () => {
    const w = await toReview();
    expect(t.tencent.requests.filter(isWrite)).toEqual([]);

    const reply = await w.submit();
    expect(reply.text).toBe(''); // a bare ack closes the modal
    const cluster = await deployed();
    expect(cluster).toMatchObject({ status: 'Provisioning', requestedBy: USERS.member, channel: CHANNELS.platform, project: 'platform' });

    const create = t.tencent.requestsFor('CreateCluster');
    expect(create).toHaveLength(1);
    expect(create[0]?.region).toBe('ap-guangzhou');
    expect(create[0]?.secretId).toBe(TENCENT.secretId);
    expect(params(create[0])).toEqual({
      ClusterType: 'MANAGED_CLUSTER',
      ClusterCIDRSettings: { EniSubnetIds: ['subnet-gz04dft1', 'subnet-gz03dft1', 'subnet-gz06dft1'], ServiceCIDR: '192.168.240.0/20' },
      ClusterBasicSettings: {
        ClusterOs: 'ubuntu18.04.1x86_64',
        ClusterVersion: '1.30.0',
        ClusterName: 'payments-prod',
        ClusterDescription: 'Payments API, production',
        VpcId: 'vpc-gzdemo01',
        TagSpecification: [
          {
            ResourceType: 'cluster',
            Tags: [
              { Key: 'team', Value: 'payments' },
              { Key: 'cost-center', Value: 'cc-42' },
              { Key: 'tkeops-cluster', Value: cluster.id },
            ],
          },
        ],
      },
      ClusterAdvancedSettings: { NetworkType: 'VPC-CNI', ContainerRuntime: 'containerd' },
    });

    // The control plane comes up; the steps that wait for it run (the watcher calls them in production).
    t.clock.advance(RUNNING_AFTER_MS);
    expect(t.tencent.cluster(cluster.tkeClusterId ?? '')?.status).toBe('Running');
    const { provisioning } = t.bot;
    // One endpoint at a time, each once the one before is Created, as the watcher runs them.
    const endpointCreated = () => t.clock.advance(t.tencent.timings.endpointCreateMs);
    await provisioning.requestEndpoint(cluster.id, 'private');
    endpointCreated();
    await provisioning.requestEndpoint(cluster.id, 'public');
    endpointCreated();
    await provisioning.restrictPublicEndpoint(cluster.id);
    await provisioning.createWorkerPools(cluster.id);
    await provisioning.installAddons(cluster.id);

    const tkeId = cluster.tkeClusterId;
    expect(t.tencent.requestsFor('CreateClusterEndpoint').map(params)).toEqual([
      { ClusterId: tkeId, IsExtranet: false, SubnetId: 'subnet-gz04dft1' },
      { ClusterId: tkeId, IsExtranet: true },
    ]);
    expect(t.tencent.requestsFor('ModifyClusterEndpointSP').map(params)).toEqual([
      { ClusterId: tkeId, SecurityPolicies: ['203.0.113.0/24', '198.51.100.7/32'] },
    ]);

    const pools = t.tencent.requestsFor('CreateClusterNodePool').map(params);
    const tags = [
      { Key: 'team', Value: 'payments' },
      { Key: 'cost-center', Value: 'cc-42' },
      { Key: 'tkeops-cluster', Value: cluster.id },
    ];
    const byName = (name: string) => pools.find((p) => p.Name === name) ?? {};
    expect(byName('general')).toMatchObject({ ClusterId: tkeId, NodePoolOs: 'ubuntu18.04.1x86_64', ContainerRuntime: 'containerd', Tags: tags, EnableAutoscale: true });
    expect(JSON.parse(String(byName('general').AutoScalingGroupPara))).toEqual({
      MinSize: 1,
      MaxSize: 4,
      DesiredCapacity: 2,
      VpcId: 'vpc-gzdemo01',
      SubnetIds: ['subnet-gz03dft1', 'subnet-gz04dft1'],
    });
    expect(JSON.parse(String(byName('general').LaunchConfigurePara))).toMatchObject({
      InstanceType: 'S5.LARGE8',
      SystemDisk: { DiskSize: 60 },
      LoginSettings: { KeyIds: ['skey-demo0002'] },
    });
    expect(JSON.parse(String(byName('big').AutoScalingGroupPara))).toEqual({
      MinSize: 0,
      MaxSize: 2,
      DesiredCapacity: 1,
      VpcId: 'vpc-gzdemo01',
      SubnetIds: ['subnet-gz03dft1', 'subnet-gz06dft1'],
    });
    expect(JSON.parse(String(byName('big').LaunchConfigurePara))).toMatchObject({
      InstanceType: 'S5.2XLARGE16',
      SystemDisk: { DiskSize: 100 },
      LoginSettings: { KeyIds: ['skey-demo0002'] },
    });

    expect(t.tencent.requestsFor('CreateClusterRelease').map(params)).toEqual([mariadbReleaseRequest(tkeId ?? '', mariadbValues('30Gi'))]);
    expect(t.tencent.requests.filter((r) => r.errorCode !== undefined)).toEqual([]);
  });

  describe('inline errors, with nothing sent to TKE', () => {
    /** The `errors` answer of a submission, keyed by field. */
    function errorsOf(w: WizardUser, reply: SlackHttpResult): Partial<Record<FieldKey, string>> {
      expect(reply.json?.response_action).toBe('errors');
      const errors = reply.json?.errors as Record<string, string>;
      const byField: Partial<Record<FieldKey, string>> = {};
      for (const [blockId, message] of Object.entries(errors)) {
        expect(w.view.blocks.some((b) => b.block_id === blockId)).toBe(true);
        const field = fieldOfBlock(blockId);
        if (field) byField[field] = message;
      }
      return byField;
    }
    const nothingSent = () => {
      expect(t.tencent.requests.filter(isWrite)).toEqual([]);
      expect(clusters()).toEqual([]);
    };

    it('refuses a bad cluster name on the name field', async () => {
      const w = await wizardAt('basics');
      const reply = await w.submit(basics({ [ActionIds.wizardName]: 'payments prod!' }));
      expect(errorsOf(w, reply)).toEqual({ name: 'Use only letters, digits, - and _ in the cluster name' });
      expect(t.tencent.requests).toEqual([]);
      nothingSent();
    });

    it.each([
      ['25Gi', 'mariadb: primary.persistence.size 25Gi is not a multiple of 10 GB'],
      ['5Gi', 'mariadb: primary.persistence.size 5Gi is below the 10 GB minimum'],
    ])('refuses a PVC size of %s on the add-on pack field', async (size, message) => {
      const w = await wizardAt('packs');
      const reply = await w.submit({ [`${BlockIds.wizardPack}:mariadb`]: mariadbValues(size) });
      expect(errorsOf(w, reply)).toEqual({ 'pack:mariadb': message });
      nothingSent();
    });

    it('refuses an unknown OsName on the OS pack field', async () => {
      const w = await wizardAt('packs');
      const reply = await w.submit({ [`${BlockIds.wizardPack}:ubuntu`]: 'OsName: debian12' });
      expect(errorsOf(w, reply)['pack:ubuntu']).toMatch(/^ubuntu: OsName "debian12" is not one of centos7\.6\.0_x64, /);
      nothingSent();
    });

    it('refuses a YAML syntax error, giving its line', async () => {
      const w = await wizardAt('packs');
      const reply = await w.submit({ [`${BlockIds.wizardPack}:mariadb`]: 'architecture: standalone\nprimary:\n  persistence: {size: 20Gi\n' });
      expect(errorsOf(w, reply)['pack:mariadb']).toMatch(/^mariadb: YAML syntax error at line 4, column \d+/);
      nothingSent();
    });

    it('refuses a bad public access CIDR', async () => {
      const w = await wizardAt('placement');
      const reply = await placement(w, { [ActionIds.wizardPublicCidrs]: '203.0.113.0/24\n10.1.2.3/8' });
      expect(errorsOf(w, reply)).toEqual({ publicCidrs: 'Line 2: 10.1.2.3/8 is not a network address; did you mean 10.0.0.0/8?' });
      nothingSent();
    });

    it('refuses a GPU instance type with the plain Ubuntu profile on the instance-type field, naming the GPU images', async () => {
      const w = await wizardAt('pools');
      const reply = await workerPools(w, [{ ...SMALL, type: 'GN7.2XLARGE32', zones: ['ap-guangzhou-3'] }], false);
      const [key] = t.bot.store.read((d) => d.drafts.at(-1)?.form?.pools.map((p) => p.key) ?? []);
      expect(errorsOf(w, reply)).toEqual({
        [`pool:${key ?? ''}:instanceType`]:
          "GN7.2XLARGE32 is a GPU instance type; the cluster profile's OS image ubuntu18.04.1x86_64 has no GPU driver. " +
          'Pick a GPU image (ubuntu18.04.1x86_64 GPU, centos7.6.0_x64 GPU) in the packs step, or a non-GPU instance type.',
      });
      expect(w.callbackId).toBe(CallbackIds.wizardPools);
      nothingSent();
    });

    it('refuses a non-GPU instance type with the GPU profile, and takes a GPU one to the review', async () => {
      await start();
      const w = new WizardUser(t);
      await w.open();
      await w.submit(basics({ [ActionIds.wizardProfile]: 'centos-gpu' }));
      await w.submit();
      await placement(w);
      const refused = await workerPools(w, [SMALL], false);
      expect(Object.values(errorsOf(w, refused))).toEqual([
        "S5.MEDIUM4 has no GPU; the cluster profile's OS image centos7.6.0_x64 GPU is for GPU instance types. " +
          'Pick a non-GPU image (centos7.6.0_x64, ubuntu18.04.1x86_64) in the packs step, or a GPU instance type.',
      ]);

      await workerPools(w, [{ ...SMALL, type: 'GN7.2XLARGE32', zones: ['ap-guangzhou-3'] }], false);
      expect(w.callbackId).toBe(CallbackIds.wizardReview);
      nothingSent();
    });

    it("refuses, on the VPC field, a VPC where another cluster already takes the cluster profile's service CIDR", async () => {
      const w = await wizardAt('placement');
      await t.bot.tke.createCluster(
        { credential: TENCENT, region: 'ap-guangzhou' },
        {
          name: 'first',
          description: '',
          kubernetesVersion: '1.30.0',
          runtime: { containerRuntime: 'containerd' },
          os: 'ubuntu18.04.1x86_64',
          vpcId: 'vpc-gzdemo01',
          network: { mode: 'GR', clusterCidr: '10.96.0.0/16', serviceCidr: '192.168.240.0/20' },
          tags: [],
        },
      );
      t.tencent.clearRequests();

      const reply = await placement(w);

      expect(errorsOf(w, reply)).toEqual({
        vpcId: expect.stringMatching(
          /^The cluster profile's service CIDR 192\.168\.240\.0\/20 overlaps cluster first \(cls-\w+, 192\.168\.240\.0\/20\) in this VPC; choose another VPC or cluster profile$/,
        ),
      });
      nothingSent();
    });

    it('keeps errors inline when a field in error has no block yet (no VPC picked after choosing the region, so no subnet)', async () => {
      const w = await wizardAt('placement');
      await w.act(ActionIds.wizardRegion, { value: 'ap-guangzhou', input: { [ActionIds.wizardRegion]: 'ap-guangzhou' } });
      expect(w.view.blocks.some((b) => b.block_id !== undefined && fieldOfBlock(b.block_id) === 'subnetId')).toBe(false);

      const reply = await w.submit({ [ActionIds.wizardKeyPair]: 'skey-demo0002', [ActionIds.wizardPublicCidrs]: '10.1.2.3/8' });

      expect(errorsOf(w, reply)).toEqual({
        vpcId: 'Choose a VPC\nAlso: Choose a subnet',
        publicCidrs: 'Line 1: 10.1.2.3/8 is not a network address; did you mean 10.0.0.0/8?',
      });
      nothingSent();
    });

    it('refuses a desired size outside min..max on that pool', async () => {
      const w = await wizardAt('pools');
      const reply = await workerPools(w, [GENERAL, { ...SMALL, min: '2', desired: '5', max: '3' }], false);
      const key = t.bot.store.read((d) => d.drafts[0]?.form?.pools[1]?.key);
      expect(errorsOf(w, reply)).toEqual({ [`pool:${key}:desiredSize`]: 'The desired size must be between the minimum (2) and the maximum (3)' });
      nothingSent();
    });

    it('adds a worker pool while a typed maximum is over 200 (Slack refuses such an initial_value), then refuses that maximum on Next', async () => {
      const w = await wizardAt('pools');
      const max = w.blockId('pool:p1:maxSize');

      await w.act(ActionIds.wizardAddPool, { input: { [max]: '500' } });

      expect(t.bot.store.read((d) => d.drafts[0]?.form?.pools.map((p) => [p.key, p.maxSize]))).toEqual([['p1', '500'], ['p2', expect.any(String)]]);
      const maxBlock = (w.view.blocks as KnownBlock[]).find((b) => b.block_id === max);
      const maxElement = maxBlock?.type === 'input' && maxBlock.element.type === 'number_input' ? maxBlock.element : undefined;
      expect(maxElement).toMatchObject({ min_value: '1', max_value: '200' });
      expect(maxElement?.initial_value).toBeUndefined();
      // Slack keeps the 500 typed in the unchanged block; Next sends it back.
      const reply = await w.submit({ [max]: '500' });
      expect(errorsOf(w, reply)['pool:p1:maxSize']).toBe('The maximum size is at most 200');
      nothingSent();
    });

    it('refuses to go on without a worker pool', async () => {
      const w = await wizardAt('pools');
      expect(w.callbackId).toBe(CallbackIds.wizardPools);
      await w.act(ActionIds.wizardRemovePool, { value: 'p1' });
      const reply = await w.submit();
      expect(errorsOf(w, reply)).toEqual({ workerPools: 'Add at least one worker pool' });
      nothingSent();
    });
  });

  describe('worker pool creation order', () => {
    // Long enough that requests sent together land well within it even on a loaded 2-core machine.
    const LATENCY_MS = 400;
    async function poolRequestTimes(parallel: boolean): Promise<number[]> {
      const w = await toReview({ pools: [GENERAL, BIG, SMALL], parallel });
      await w.submit();
      const cluster = await deployed();
      t.clock.advance(RUNNING_AFTER_MS);
      t.tencent.latency('CreateClusterNodePool', LATENCY_MS);
      await t.bot.provisioning.createWorkerPools(cluster.id);
      const requests = t.tencent.requestsFor('CreateClusterNodePool');
      expect(requests.map((r) => params(r).Name).sort()).toEqual(['big', 'general', 'small']);
      return requests.map((r) => r.receivedAt);
    }

    it('sends every CreateClusterNodePool at once when "update worker pools in parallel" is checked', async () => {
      const times = await poolRequestTimes(true);
      expect(Math.max(...times) - Math.min(...times)).toBeLessThan(LATENCY_MS);
    });

    it('sends the next CreateClusterNodePool only after the previous one answered otherwise', async () => {
      const times = await poolRequestTimes(false);
      for (let i = 1; i < times.length; i += 1) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(LATENCY_MS);
    });
  });

  describe('exactly one cluster per wizard', () => {
    it('creates one cluster when the same Deploy view is submitted twice at once', async () => {
      const w = await toReview();
      const payload = w.payload({});
      const replies = await Promise.all([t.send.viewSubmission(payload), t.send.viewSubmission(payload)]);
      expect(replies.map((r) => r.status)).toEqual([200, 200]);
      // Each submission either went on to Deploy (a bare ack) or found the draft deployed already.
      await deployed(replies.filter((r) => r.text === '').length);
      expect(t.tencent.requestsFor('CreateCluster')).toHaveLength(1);
      expect(clusters()).toHaveLength(1);
    });

    it('creates no second cluster for a Slack retry (X-Slack-Retry-Num: 1) of Deploy, showing the cluster instead', async () => {
      const w = await toReview();
      const payload = w.payload({});
      await t.send.viewSubmission(payload);
      await deployed();
      const retry = await t.send.viewSubmission(payload, { retryNum: 1 });
      expect(retry.json).toMatchObject({ response_action: 'update', view: { callback_id: CallbackIds.wizardDeployed } });
      expect(t.logs.some((l) => l.includes('"retryNum":1') && l.includes('Deploy submission retried by Slack'))).toBe(true);
      expect(t.tencent.requestsFor('CreateCluster')).toHaveLength(1);
      expect(clusters()).toHaveLength(1);
    });

    it('answers a second Deploy with the cluster the wizard became, pointing to its provisioning thread', async () => {
      const w = await toReview();
      await w.submit();
      const cluster = await deployed();
      await t.bot.services.threads.idle();
      const thread = t.bot.store.read((d) => d.clusters[0]?.thread);
      if (!thread) throw new Error('no provisioning thread');

      const again = await t.send.viewSubmission(w.payload({}));

      expect(again.json).toMatchObject({ response_action: 'update', view: { callback_id: CallbackIds.wizardDeployed } });
      const shown = JSON.stringify(again.json?.view);
      expect(shown).toContain('already deployed as cluster *payments-prod*');
      expect(shown).toContain(messageUrl(thread.channel, thread.ts));
      expect(t.tencent.requestsFor('CreateCluster')).toHaveLength(1);
      expect(clusters().map((c) => c.id)).toEqual([cluster.id]);
    });

    it('does not let an earlier step of a deployed wizard be edited or walked again', async () => {
      const w = await toReview();
      await w.submit();
      await deployed();
      const draftBefore = t.bot.store.read((d) => d.drafts[0]);
      // The first step as Slack still has it (same view id), submitted with another name.
      const basicsView = t.slack.calls('views.open')[0]?.body.view as ModalView;
      const edited = await t.send.viewSubmission(
        viewSubmission({ user: w.user, view: basicsView, viewId: w.viewId, input: basics({ [ActionIds.wizardName]: 'renamed' }) }),
      );
      expect(edited.json).toMatchObject({ response_action: 'update', view: { callback_id: CallbackIds.wizardDeployed } });

      const before = t.slack.calls('views.update').length;
      await t.send.blockActions(viewBlockAction({ user: w.user, view: w.view, viewId: w.viewId, actionId: ActionIds.wizardBack }));
      const [back] = (await t.slack.waitFor((calls) => calls.filter((c) => c.method === 'views.update').length > before))
        .filter((c) => c.method === 'views.update')
        .slice(before);
      expect((back?.body.view as ModalView).callback_id).toBe(CallbackIds.wizardDeployed);
      expect(t.bot.store.read((d) => d.drafts[0])).toEqual(draftBefore);
    });
  });

  describe('who may use a cloud account', () => {
    const PLATFORM_ONLY =
      "This cloud account belongs to project platform: it can be used only from that project's channels (<#C0PLATFORM>), " +
      'by its members, its admins and tenant admins.';

    /** The submission with `accountId` in the account select, as a forged or stale payload would carry it. */
    function withAccount(w: WizardUser, payload: Record<string, unknown>, id: string): Record<string, unknown> {
      const state = (payload.view as { state: { values: Record<string, Record<string, unknown>> } }).state.values;
      state[w.blockId('accountId')] = {
        [ActionIds.wizardAccount]: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'prod' }, value: id } },
      };
      return payload;
    }

    it.each([
      ['a member of another project, in its channel', USERS.member, CHANNELS.data],
      ['a tenant admin, in a channel of no project', USERS.tenantAdmin, CHANNELS.noProject],
    ])("refuses the platform project's account inline on the account field, naming who may use it, to %s", async (_who, user, channel) => {
      await start();
      const shared = await t.bot.services.accounts.add(
        { name: 'shared', description: '', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'tenant' } },
        USERS.tenantAdmin,
      );
      if (!shared.ok) throw new Error(JSON.stringify(shared.errors));
      t.tencent.clearRequests();
      const w = new WizardUser(t, user, channel);
      await w.open();
      expect(JSON.stringify(w.view)).not.toContain(accountId);

      const reply = await t.send.viewSubmission(withAccount(w, w.payload(basics({ [ActionIds.wizardAccount]: shared.account.id })), accountId));

      expect(reply.json).toEqual({ response_action: 'errors', errors: { [w.blockId('accountId')]: PLATFORM_ONLY } });
      expect(t.tencent.requests).toEqual([]);
      expect(t.bot.store.read((d) => d.drafts[0]?.spec.accountId)).toBeUndefined();
    });

    it('refuses Deploy, ephemerally, once the account can no longer be used from the channel, and calls no CreateCluster', async () => {
      const w = await toReview();
      // The account moved to project data while the wizard was open.
      await t.bot.store.update((d) => {
        const account = d.accounts.find((a) => a.id === accountId);
        if (account) account.scope = { kind: 'project', project: 'data' };
      });

      const reply = await w.submit();

      expect(reply.text).toBe('');
      const [refusal] = (await t.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'))).filter((c) => c.method === 'chat.postEphemeral');
      expect(refusal?.body).toMatchObject({ channel: CHANNELS.platform, user: USERS.member });
      expect(String(refusal?.body.text)).toContain("Deploy did not start: This cloud account belongs to project data: it can be used only from that project's channels (<#C0DATA>)");
      expect(t.tencent.requestsFor('CreateCluster')).toEqual([]);
      expect(clusters()).toEqual([]);
    });
  });

  it('with the disk full, Next keeps the modal with what was typed and says on its first field that nothing could be saved (not an HTTP 500); once there is room, Next goes on', async () => {
    await start();
    const w = new WizardUser(t);
    await w.open();
    disk.full = true;

    const reply = await t.send.viewSubmission(w.payload(basics()));

    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ response_action: 'errors', errors: { [w.blockId('name')]: STORE_WRITE_PROBLEM } });
    disk.full = false;
    await w.submit(basics());
    expect(w.callbackId).toBe(STEP_CALLBACKS.packs);
  });

  it('with the disk full, Deploy says privately that it did not start (not an HTTP 500) and calls no CreateCluster; once there is room, Deploy creates the cluster', async () => {
    const w = await toReview();
    disk.full = true;

    const reply = await w.submit();

    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    const [told] = (await t.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'))).filter((c) => c.method === 'chat.postEphemeral');
    expect(told?.body).toMatchObject({ channel: CHANNELS.platform, user: USERS.member });
    expect(String(told?.body.text)).toBe('Deploy did not start: tkeops hit an unexpected error; try again.');
    expect(t.tencent.requestsFor('CreateCluster')).toEqual([]);
    expect(clusters()).toEqual([]);

    disk.full = false;
    expect((await w.submit()).status).toBe(200);
    // The first Deploy was not handled: it started nothing.
    const cluster = await deployed(1);
    expect(cluster.spec.name).toBe('payments-prod');
    expect(t.tencent.requestsFor('CreateCluster')).toHaveLength(1);
  });

  it('refuses Deploy, ephemerally, when the policy no longer lets the user create clusters in the channel', async () => {
    const w = await toReview();
    // The policy changed while the wizard was open: platform now lists its members, and U0MEMBER is not one.
    await writeFile(path.join(t.dir, 'policy.yaml'), DEFAULT_POLICY_YAML.replace('admins: [U0PADMIN1]\n    members: everyone', 'admins: [U0PADMIN1]\n    members: [U0PADMIN1]'));
    t = await t.restart();
    running = t;
    const resumed = Object.assign(new WizardUser(t), { view: w.view, viewId: w.viewId });

    const reply = await resumed.submit();

    expect(reply.text).toBe('');
    const [refusal] = (await t.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'))).filter((c) => c.method === 'chat.postEphemeral');
    expect(refusal?.body).toMatchObject({ channel: CHANNELS.platform, user: USERS.member });
    expect(String(refusal?.body.text)).toMatch(/^Deploy did not start: Only members of project platform \(<@U0PADMIN1>\), .* may create a cluster in project platform\.$/);
    expect(t.tencent.requestsFor('CreateCluster')).toEqual([]);
    expect(clusters()).toEqual([]);
  });

  it.each([CallbackIds.wizardBasics, CallbackIds.wizardReview])(
    'answers a %s submission whose view has no id or pointer with the expired view, not an error',
    async (callbackId) => {
      await start();
      const payload = viewSubmission({ user: USERS.member, view: { type: 'modal', callback_id: callbackId, title: { type: 'plain_text', text: 'Create cluster' }, blocks: [] }, viewId: 'V0ANY', input: {} });
      const view = payload.view as Record<string, unknown>;
      delete view.id;
      delete view.private_metadata;

      const reply = await t.send.viewSubmission(payload);

      expect(reply.status).toBe(200);
      expect(reply.json).toMatchObject({ response_action: 'update', view: { callback_id: CallbackIds.wizardExpired } });
      expect(JSON.stringify(reply.json)).toContain('Run `/tke create` to start again');
    },
  );

  describe('when Slack refuses the provisioning thread', () => {
    const ephemerals = () => t.slack.calls('chat.postEphemeral');

    it('tells the deployer, ephemerally, to invite @tkeops, and provisioning goes on', async () => {
      const w = await toReview();
      t.slack.fail('chat.postMessage', { error: 'not_in_channel' });

      await w.submit();
      const cluster = await deployed();

      const [note] = ephemerals();
      expect(note?.body).toMatchObject({ channel: CHANNELS.platform, user: USERS.member });
      expect(String(note?.body.text)).toContain('could not post its provisioning thread in <#C0PLATFORM>');
      expect(String(note?.body.text)).toContain('`/invite @tkeops`');
      expect(String(note?.body.text)).toContain('Provisioning goes on meanwhile');
      expect(cluster.status).toBe('Provisioning');
      expect(cluster.thread).toBeUndefined();
      expect(t.tencent.requestsFor('CreateCluster')).toHaveLength(1);
    });

    it('sends the deployer a direct message when the ephemeral message is refused too', async () => {
      const w = await toReview();
      t.slack.fail('chat.postMessage', { error: 'not_in_channel' });
      t.slack.fail('chat.postEphemeral', { error: 'channel_not_found' });

      await w.submit();
      await deployed();

      const direct = t.slack.calls('chat.postMessage').filter((c) => c.body.channel === USERS.member);
      expect(direct).toHaveLength(1);
      expect(String(direct[0]?.body.text)).toContain('`/invite @tkeops`');
    });
  });

  describe('small things', () => {
    it('calls it a "cloud account" in the first step, with or without accounts to choose', async () => {
      await start();
      const withAccounts = new WizardUser(t);
      await withAccounts.open();
      const without = new WizardUser(t, USERS.member, CHANNELS.data);
      await without.open();
      for (const view of [withAccounts.view, without.view]) expect(JSON.stringify(view)).not.toContain('Tencent Cloud account');
      expect(JSON.stringify(withAccounts.view)).toContain('Choose a cloud account');
      expect(JSON.stringify(without.view)).toContain('No cloud account is usable in this channel yet');
    });

    it('redraws the wizard with the hash of the view it changes', async () => {
      const w = await wizardAt('placement');
      const before = t.slack.calls('views.update').length;
      await w.act(ActionIds.wizardRegion, { value: 'ap-guangzhou', input: { [ActionIds.wizardRegion]: 'ap-guangzhou' } });
      const updates = t.slack.calls('views.update').slice(before);
      expect(updates.length).toBeGreaterThanOrEqual(2);
      expect(updates[0]?.body.hash).toBe(`hash-${w.viewId}`);
      expect(updates.every((u) => typeof u.body.hash === 'string' && u.body.hash !== '')).toBe(true);
    });

    it('drops, without an error, a redraw that Slack refuses because the view changed meanwhile (hash_conflict)', async () => {
      const w = await wizardAt('placement');
      t.slack.fail('views.update', { error: 'hash_conflict' });
      const reply = await t.send.blockActions(
        viewBlockAction({ user: w.user, view: w.view, viewId: w.viewId, actionId: ActionIds.wizardRegion, value: 'ap-guangzhou', input: { [ActionIds.wizardRegion]: 'ap-guangzhou' } }),
      );
      expect(reply.status).toBe(200);
      await t.slack.waitFor((calls) => calls.some((c) => c.method === 'views.update'));
      // The newer action is redrawn as usual.
      await w.act(ActionIds.wizardRegion, { value: 'ap-guangzhou', input: { [ActionIds.wizardRegion]: 'ap-guangzhou' } });
      expect(w.blockId('keyPairId')).toBe(`${BlockIds.wizardKeyPair}@ap-guangzhou`);
      expect(t.logs.filter((l) => l.includes('"level":50'))).toEqual([]);
    });
  });

  it('refuses /tke create, with an ephemeral reason, to someone who may not create clusters in the channel', async () => {
    await start();
    const reply = await t.send.command('create', { user: USERS.member, channel: CHANNELS.noProject });
    expect(reply.json).toMatchObject({ response_type: 'ephemeral', text: expect.any(String) });
    expect(t.slack.calls('views.open')).toEqual([]);
    expect(t.bot.store.read((d) => d.drafts)).toEqual([]);
  });

  it('opens the wizard with the name given to /tke create already typed in', async () => {
    await start();
    const w = new WizardUser(t);
    await w.open('create billing-dev');
    expect(w.callbackId).toBe(CallbackIds.wizardBasics);
    const name = (w.view.blocks as KnownBlock[]).find((b) => b.block_id === BlockIds.wizardName);
    expect(name?.type === 'input' && name.element.type === 'plain_text_input' && name.element.initial_value).toBe('billing-dev');
  });

  it('answers /tke create with more than one word with the usage, ephemerally, and opens no wizard', async () => {
    await start();
    const reply = await t.send.command('create a b c', { user: USERS.member, channel: CHANNELS.platform });
    expect(reply.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Usage: `/tke create [name]`') });
    expect(t.slack.calls('views.open')).toEqual([]);
    expect(t.bot.store.read((d) => d.drafts)).toEqual([]);
  });

  it('keeps everything typed across a restart in the middle of the wizard', async () => {
    const w = await wizardAt('packs');
    await w.submit({ [`${BlockIds.wizardPack}:mariadb`]: mariadbValues('40Gi') });
    t = await t.restart();
    running = t;
    const resumed = Object.assign(new WizardUser(t), { view: w.view, viewId: w.viewId });
    await placement(resumed);
    await workerPools(resumed, [GENERAL], false);
    await resumed.submit();
    const cluster = await deployed();
    expect(cluster.spec).toMatchObject({ name: 'payments-prod', packOverrides: { mariadb: mariadbValues('40Gi') }, subnetId: 'subnet-gz04dft1' });
  });

  it("shows Tencent's error when loading choices fails, and loads them on Retry", async () => {
    const w = await wizardAt('placement');
    t.tencent.failNext('DescribeKeyPairs', { code: 'UnauthorizedOperation', message: 'CAM denies cvm:DescribeKeyPairs.' });
    await w.act(ActionIds.wizardRegion, { value: 'ap-guangzhou', input: { [ActionIds.wizardRegion]: 'ap-guangzhou' } });
    const failed = (w.view.blocks as KnownBlock[]).find((b) => b.block_id === BlockIds.wizardLoadError);
    const requestId = t.tencent.requestsFor('DescribeKeyPairs')[0]?.requestId ?? '?';
    expect(JSON.stringify(failed)).toContain(`*UnauthorizedOperation*: CAM denies cvm:DescribeKeyPairs. (request id \`${requestId}\`)`);

    await w.act(ActionIds.wizardRetryLoad);
    expect(w.view.blocks.some((b) => b.block_id === BlockIds.wizardLoadError)).toBe(false);
    expect(w.blockId('keyPairId')).toBe(`${BlockIds.wizardKeyPair}@ap-guangzhou`);
  });

  it('adds a cloud account from the wizard and returns to it with the account selected, in a block Slack has no choice kept for', async () => {
    await start();
    const w = new WizardUser(t, USERS.projectAdmin);
    await w.open();
    const accountBlockBefore = w.blockId('accountId');
    const before = t.slack.calls('views.update').length;
    await t.send.blockActions(
      viewBlockAction({ user: w.user, view: w.view, viewId: w.viewId, actionId: ActionIds.wizardAddAccount, input: { [ActionIds.wizardName]: 'typed-before' } }),
    );
    const [push] = await t.slack.waitFor((calls) => calls.some((c) => c.method === 'views.push')).then(() => t.slack.calls('views.push'));
    const accountView = push?.body.view as ModalView;
    expect(accountView.callback_id).toBe(CallbackIds.accountAdd);

    const saved = await t.send.viewSubmission(
      viewSubmission({
        user: w.user,
        view: accountView,
        viewId: 'V0PUSHED01',
        input: {
          [ActionIds.accountName]: 'staging',
          [ActionIds.accountDescription]: null,
          [ActionIds.accountSecretId]: TENCENT.secretId,
          [ActionIds.accountSecretKey]: TENCENT.secretKey,
          [ActionIds.accountScope]: 'project',
        },
        rootViewId: w.viewId,
        previousViewId: w.viewId,
      }),
    );
    expect(saved.text).toBe('');
    const staging = await until(() => t.bot.store.read((d) => d.accounts.find((a) => a.name === 'staging')), 'the new account');
    const update = await t.slack
      .waitFor((calls) => calls.slice(before).some((c) => c.method === 'views.update' && c.body.view_id === w.viewId && JSON.stringify(c.body.view).includes(staging.id)))
      .then((calls) => calls.slice(before).filter((c) => c.method === 'views.update').at(-1));
    const view = update?.body.view as ModalView;
    const account = (view.blocks as KnownBlock[]).find((b) => b.block_id !== undefined && fieldOfBlock(b.block_id) === 'accountId');
    // Slack keeps a user's choice in a block whose id did not change, ignoring initial_option.
    expect(account?.block_id).not.toBe(accountBlockBefore);
    expect(account?.type === 'input' && account.element.type === 'static_select' && account.element.initial_option?.value).toBe(staging.id);
    const name = (view.blocks as KnownBlock[]).find((b) => b.block_id === BlockIds.wizardName);
    expect(name?.type === 'input' && name.element.type === 'plain_text_input' && name.element.initial_value).toBe('typed-before');
    expect(JSON.stringify(view)).not.toContain(TENCENT.secretKey);

    // Next, with the account as shown: the wizard reads it from the renamed block.
    w.view = view;
    const next = await w.submit({ [ActionIds.wizardProfile]: 'ubuntu-mariadb' });
    expect(next.json?.response_action).toBe('update');
    expect(w.callbackId).toBe(CallbackIds.wizardPacks);
    expect(t.bot.store.read((d) => d.drafts.at(-1)?.form?.accountId)).toBe(staging.id);
  });

  it('says so in the wizard, keeping what was typed, when Slack refuses to open the cloud account form (expired_trigger_id)', async () => {
    await start();
    const w = new WizardUser(t, USERS.projectAdmin);
    await w.open();
    t.slack.fail('views.push', { error: 'expired_trigger_id' });

    await w.act(ActionIds.wizardAddAccount, { input: { [ActionIds.wizardName]: 'typed-before' } });

    expect(t.slack.calls('views.push')).toHaveLength(1);
    expect(w.callbackId).toBe(CallbackIds.wizardBasics);
    expect(JSON.stringify(w.view.blocks)).toContain('Slack did not open the form in time; click *+ Cloud account* again.');
    const name = (w.view.blocks as KnownBlock[]).find((b) => b.block_id === BlockIds.wizardName);
    expect(name?.type === 'input' && name.element.type === 'plain_text_input' && name.element.initial_value).toBe('typed-before');
    expect(t.logs.some((l) => l.includes('An unhandled error occurred'))).toBe(false);
  });
});

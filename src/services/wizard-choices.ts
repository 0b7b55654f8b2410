/**
 * The choices the wizard offers, loaded from Tencent when the choice before them is made:
 * regions for the cloud account; key pairs, VPCs and zones for the region; subnets for the VPC,
 * with the instance types sold in those subnets' zones (DescribeInstanceTypeConfigs). They are
 * stored in the draft, so the wizard's rules can check a submission without calling Tencent
 * while Slack waits. A Tencent error is kept in the options (code, message, request id) for the
 * modal to show; nothing loaded after it is kept.
 */
import type { AccountService } from './accounts.js';
import type { WizardForm, WizardOptions } from './domain/index.js';
import { failureOf } from './tencent-failure.js';
import type { TkeGateway, TkeTarget } from './tke.js';

export interface WizardChoices {
  /** Whether the form asks for choices the options do not hold yet. */
  needsLoading(form: WizardForm, options: WizardOptions): boolean;
  /** Loads what is missing; returns the options to store (with `error` when Tencent refused). */
  load(form: WizardForm, options: WizardOptions): Promise<WizardOptions>;
}

type Need = 'regions' | 'region' | 'vpc';

function firstNeed(form: WizardForm, options: WizardOptions): Need | undefined {
  if (!form.accountId) return undefined;
  if (options.accountId !== form.accountId || !options.regions) return 'regions';
  if (!form.region) return undefined;
  if (options.region !== form.region) return 'region';
  if (form.vpcId && options.vpcId !== form.vpcId) return 'vpc';
  return undefined;
}

export function createWizardChoices(deps: { tke: TkeGateway; accounts: Pick<AccountService, 'credentialFor'> }): WizardChoices {
  const { tke } = deps;

  async function loadOne(need: Need, form: WizardForm, options: WizardOptions): Promise<WizardOptions> {
    const credential = deps.accounts.credentialFor(form.accountId ?? '');
    if (need === 'regions') {
      const regions = await tke.describeRegions(credential);
      return {
        accountId: form.accountId,
        regions: regions.filter((r) => r.available).map((r) => ({ region: r.region, name: r.name })),
      };
    }
    const target: TkeTarget = { credential, region: form.region ?? '' };
    if (need === 'region') {
      const [keyPairs, vpcs, zones] = await Promise.all([tke.describeKeyPairs(target), tke.describeVpcs(target), tke.describeZones(target)]);
      return {
        accountId: options.accountId,
        regions: options.regions,
        region: form.region,
        keyPairs: keyPairs.map((k) => ({ keyId: k.keyId, keyName: k.keyName })),
        vpcs: vpcs.map((v) => ({ vpcId: v.vpcId, name: v.name, cidr: v.cidr })),
        zones: zones.filter((z) => z.available).map((z) => ({ zone: z.zone, name: z.name })),
      };
    }
    const [subnets, clusters] = await Promise.all([tke.describeSubnets(target, form.vpcId ?? ''), tke.describeClusters(target, [])]);
    const zones = [...new Set(subnets.map((s) => s.zone))];
    const types = zones.length > 0 ? await tke.describeInstanceTypeConfigs(target, zones) : [];
    const vpcClusters = clusters
      .filter((c) => c.network?.vpcId === form.vpcId)
      .map((c) => ({ clusterId: c.clusterId, name: c.name, cidrs: [c.network?.clusterCidr ?? '', c.network?.serviceCidr ?? ''].filter(Boolean) }));
    const { error: _previous, ...rest } = options;
    return {
      ...rest,
      vpcId: form.vpcId,
      subnets: subnets.map((s) => ({ subnetId: s.subnetId, vpcId: s.vpcId, name: s.name, zone: s.zone, cidr: s.cidr })),
      instanceTypes: types.map((t) => ({ instanceType: t.instanceType, zone: t.zone, cpu: t.cpu, memoryGb: t.memoryGb, gpu: t.gpu })),
      vpcClusters,
    };
  }

  const WHAT: Record<Need, (form: WizardForm) => string> = {
    regions: () => 'regions (DescribeRegions)',
    region: (form) => `key pairs, VPCs and zones of ${form.region ?? ''}`,
    vpc: (form) => `subnets, instance types and clusters of ${form.vpcId ?? ''}`,
  };

  return {
    needsLoading: (form, options) => firstNeed(form, options) !== undefined,
    async load(form, options) {
      let current = options;
      for (let need = firstNeed(form, current); need; need = firstNeed(form, current)) {
        try {
          current = await loadOne(need, form, current);
        } catch (error) {
          return { ...current, error: { what: WHAT[need](form), ...failureOf(error) } };
        }
      }
      const { error: _cleared, ...loaded } = current;
      return loaded;
    },
  };
}

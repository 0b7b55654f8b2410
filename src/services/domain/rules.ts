/**
 * The rules' figures and the small pure helpers both the services and the views need: limits
 * (Tencent's and Slack's, as tkeops applies them), which endpoints an access choice asks for, the
 * wizard's steps and field keys, the tags that find a cluster's resources. No I/O and no imports
 * but domain types, so views may import these values (the lint rule allows src/services/domain
 * only); the services that apply the rules re-export them.
 */
import type { AccountScope } from './account.js';
import type { EndpointAccessChoice } from './cluster.js';
import type { WizardOptions } from './draft.js';

// ---- the cluster spec (cluster-spec.ts applies these) ------------------------------------------
export const CLUSTER_NAME_MAX = 60;
export const CLUSTER_DESCRIPTION_MAX = 255;
export const TAG_KEY_MAX = 127;
export const TAG_VALUE_MAX = 255;
/** Tag key tkeops adds to the cluster and its worker pools (value: the tkeops cluster id). */
export const TKEOPS_TAG_KEY = 'tkeops-cluster';
export const MAX_TAGS = 49;
export const MAX_PUBLIC_CIDRS = 50;
export const MAX_WORKER_POOLS = 10;
export const MAX_POOL_NODES = 200;
export const POOL_NAME_MAX = 60;
export const DISK_MIN_GB = 20;
export const DISK_MAX_GB = 2048;
export const DISK_STEP_GB = 10;

/** The TKE endpoints each endpoint access choice asks for. */
export const ENDPOINTS: Record<EndpointAccessChoice, readonly ('private' | 'public')[]> = {
  public: ['public'],
  private: ['private'],
  'private-public': ['private', 'public'],
};
export const includesPublic = (access: EndpointAccessChoice): boolean => ENDPOINTS[access].includes('public');
export const includesPrivate = (access: EndpointAccessChoice): boolean => ENDPOINTS[access].includes('private');

// ---- the wizard's steps and fields ---------------------------------------------------------------
export type WizardStep = 'basics' | 'packs' | 'placement' | 'pools' | 'review';
export const WIZARD_STEPS: readonly WizardStep[] = ['basics', 'packs', 'placement', 'pools', 'review'];

export type PoolField = 'name' | 'minSize' | 'desiredSize' | 'maxSize' | 'instanceType' | 'zones' | 'diskGb';

/** Where an error belongs in the wizard. */
export type FieldKey =
  | 'name'
  | 'description'
  | 'tags'
  | 'accountId'
  | 'profile'
  | 'expiry'
  | `pack:${string}`
  | 'region'
  | 'keyPairId'
  | 'vpcId'
  | 'subnetId'
  | 'endpointAccess'
  | 'publicCidrs'
  | 'workerPools'
  | `pool:${string}:${PoolField}`;

export const packField = (packName: string): FieldKey => `pack:${packName}`;
export const poolField = (poolKey: string, field: PoolField): FieldKey => `pool:${poolKey}:${field}`;

/** Zones a worker pool can use: those with a subnet in the chosen VPC. */
export function poolZones(options: WizardOptions, vpcId: string | undefined): string[] {
  if (!vpcId || options.vpcId !== vpcId) return [];
  return [...new Set((options.subnets ?? []).filter((s) => s.vpcId === vpcId).map((s) => s.zone))].sort();
}

/** Instance types sold in every one of `zones` (all loaded types when no zone is chosen yet). */
export function instanceTypesFor(options: WizardOptions, zones: readonly string[]): NonNullable<WizardOptions['instanceTypes']> {
  const all = options.instanceTypes ?? [];
  const byType = new Map<string, NonNullable<WizardOptions['instanceTypes']>[number]>();
  for (const config of all) {
    if (byType.has(config.instanceType)) continue;
    const soldIn = new Set(all.filter((c) => c.instanceType === config.instanceType).map((c) => c.zone));
    if (zones.every((zone) => soldIn.has(zone))) byType.set(config.instanceType, config);
  }
  return [...byType.values()];
}

// ---- cluster profile packs (pack-rules.ts applies these) ---------------------------------------
/** The OS images a TKE cluster created by tkeops may run, exactly as TKE spells them. */
export const OS_IMAGES = [
  'centos7.6.0_x64',
  'centos7.6.0_x64 GPU',
  'ubuntu18.04.1x86_64',
  'ubuntu18.04.1x86_64 GPU',
] as const;
export type OsImage = (typeof OS_IMAGES)[number];

export function isOsImage(value: unknown): value is OsImage {
  return typeof value === 'string' && (OS_IMAGES as readonly string[]).includes(value);
}

/** Smallest PVC size, in GB, and the step sizes must follow. */
export const PVC_MIN_GB = 10;
export const PVC_STEP_GB = 10;

/** Values are edited in a Slack plain_text_input, whose text cannot exceed 3000 characters. */
export const PACK_VALUES_MAX_CHARS = 3000;

// ---- cloud accounts (accounts.ts applies these) -------------------------------------------------
export const ACCOUNT_NAME_MAX = 60;
export const ACCOUNT_DESCRIPTION_MAX = 300;
export const SECRET_ID_MAX = 64;
export const SECRET_KEY_MAX = 128;

export function scopeLabel(scope: AccountScope): string {
  return scope.kind === 'tenant' ? 'tenant' : `project ${scope.project}`;
}

// ---- a cluster's resources at Tencent -----------------------------------------------------------
/** TKE tags the resources it creates for a cluster (its load balancers among them) with this key and the cluster id. */
export const TKE_CLUSTER_TAG = 'tke-clusterId';

/** The cluster a leftover lookup is about: the tkeops record id and Tencent's cluster id. */
export interface LeftoverOwner {
  id: string;
  tkeClusterId: string;
}

/**
 * The tags that find a cluster's cloud resources: TKE's own, and the one tkeops puts on the
 * cluster and on its worker pools' instances (which is what finds a CVM TKE did not tag).
 */
export const leftoverTags = (owner: LeftoverOwner): { tagKey: string; tagValue: string }[] => [
  { tagKey: TKE_CLUSTER_TAG, tagValue: owner.tkeClusterId },
  { tagKey: TKEOPS_TAG_KEY, tagValue: owner.id },
];

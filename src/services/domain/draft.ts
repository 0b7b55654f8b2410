/** A `/tke create` wizard draft as services see it: the form as typed, the choices loaded for it. */
import type { ClusterSpec, EndpointAccessChoice, TencentFailure } from './cluster.js';
import type { CostEstimate } from './cost.js';
import type { ExpiryChoice } from './expiry.js';

/** One worker pool as typed in the wizard (not yet validated); `key` stays stable when other pools are removed. */
export interface WizardPoolForm {
  key: string;
  name: string;
  minSize: string;
  desiredSize: string;
  maxSize: string;
  instanceType: string;
  zones: string[];
  diskGb: string;
}

/** The wizard's fields as the user last left them, so a view can be rebuilt after a restart. */
export interface WizardForm {
  name: string;
  description: string;
  /** `key:value`, one per line, as typed. */
  tags: string;
  accountId?: string | undefined;
  profile?: string | undefined;
  /** Pack name → the YAML values as typed; packs not listed keep the profile's values. */
  packs: Record<string, string>;
  region?: string | undefined;
  keyPairId?: string | undefined;
  vpcId?: string | undefined;
  subnetId?: string | undefined;
  endpointAccess: EndpointAccessChoice;
  /** One CIDR per line, as typed. */
  publicCidrs: string;
  parallelPoolUpdates: boolean;
  pools: WizardPoolForm[];
  nextPoolKey: number;
  /** "Delete automatically after" as picked (absent: the project's default). */
  expiry?: ExpiryChoice | undefined;
}

/** Choices loaded from Tencent for the wizard, with what they were loaded for. */
export interface WizardOptions {
  /** Account the regions were listed with. */
  accountId?: string | undefined;
  regions?: { region: string; name: string }[] | undefined;
  /** Region the key pairs, VPCs and zones below belong to. */
  region?: string | undefined;
  keyPairs?: { keyId: string; keyName: string }[] | undefined;
  vpcs?: { vpcId: string; name: string; cidr: string }[] | undefined;
  zones?: { zone: string; name: string }[] | undefined;
  /** VPC the subnets (and the instance types of their zones) belong to. */
  vpcId?: string | undefined;
  subnets?: { subnetId: string; vpcId: string; name: string; zone: string; cidr: string }[] | undefined;
  /** `gpu`: GPUs per instance as CVM reports them; undefined when it does not say. */
  instanceTypes?: { instanceType: string; zone: string; cpu: number; memoryGb: number; gpu?: number | undefined }[] | undefined;
  /** The TKE clusters already in that VPC and the CIDRs they take (a new cluster's must not overlap them). */
  vpcClusters?: { clusterId: string; name: string; cidrs: string[] }[] | undefined;
  /** The last Tencent error while loading choices, shown in the modal until a load succeeds. */
  error?: (TencentFailure & { what: string }) | undefined;
}

export interface Draft {
  id: string;
  userId: string;
  channel: string;
  /** The Slack view currently showing this draft. */
  viewId?: string | undefined;
  spec: Partial<ClusterSpec>;
  /** The channel's project when the wizard was opened. */
  project?: string | undefined;
  form?: WizardForm | undefined;
  options?: WizardOptions | undefined;
  createdAt: string;
  updatedAt: string;
  /** Set once Deploy recorded the cluster: a deployed draft is never edited. */
  clusterId?: string | undefined;
  /** The price of the spec last submitted on the pools step (its basis says which). */
  estimate?: CostEstimate | undefined;
}

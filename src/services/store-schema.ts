import { z } from 'zod';
import { CLUSTER_STATUSES, ENDPOINT_ACCESS_CHOICES } from './domain/cluster.js';
import { EXPIRY_CHOICES } from './domain/expiry.js';
import { UPGRADE_TYPES } from './domain/day-two.js';

/**
 * Schema of the JSON store (data/db.json), version STORE_VERSION. Only the repositories
 * (src/services/repositories/) and the store read these types; services use the domain types of
 * src/services/domain/. Changing the shape of the file = bump STORE_VERSION and add a step to
 * store-migrations.ts, which brings older files up at open.
 */

export const STORE_VERSION = 4;

export const tagSchema = z.object({ key: z.string(), value: z.string() });

/** AES-256-GCM ciphertext of a Secret Key; the plain key is never stored. */
export const encryptedSecretSchema = z.object({ iv: z.string(), tag: z.string(), data: z.string() });

export const accountScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tenant') }),
  z.object({ kind: z.literal('project'), project: z.string() }),
]);

export const accountRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  scope: accountScopeSchema,
  secretId: z.string(),
  secretKey: encryptedSecretSchema,
  addedBy: z.string(),
  addedAt: z.string(),
  validatedAt: z.string(),
});

export const endpointAccessSchema = z.enum(ENDPOINT_ACCESS_CHOICES);

export const workerPoolSpecSchema = z.object({
  name: z.string(),
  minSize: z.number().int(),
  desiredSize: z.number().int(),
  maxSize: z.number().int(),
  instanceType: z.string(),
  zones: z.array(z.string()),
  diskGb: z.number().int(),
});

/** Everything the wizard collects; what Deploy turns into TKE calls. */
export const clusterSpecSchema = z.object({
  name: z.string(),
  description: z.string(),
  tags: z.array(tagSchema),
  accountId: z.string(),
  profile: z.string(),
  packOverrides: z.record(z.string(), z.string()),
  region: z.string(),
  keyPairId: z.string(),
  vpcId: z.string(),
  subnetId: z.string(),
  endpointAccess: endpointAccessSchema,
  publicCidrs: z.array(z.string()),
  parallelPoolUpdates: z.boolean(),
  workerPools: z.array(workerPoolSpecSchema),
  /** "Delete automatically after" (absent: never). */
  expiry: z.enum(EXPIRY_CHOICES).optional(),
});

export const clusterStatusSchema = z.enum(CLUSTER_STATUSES);

export const tencentFailureSchema = z.object({
  code: z.string(),
  message: z.string(),
  requestId: z.string().optional(),
  action: z.string().optional(),
});

export const poolProgressSchema = z.object({
  name: z.string(),
  /** Set just before CreateClusterNodePool, so a restart can look the pool up instead of creating it twice. */
  requestedAt: z.string().optional(),
  nodePoolId: z.string().optional(),
  readyAt: z.string().optional(),
  /** Nodes Tencent reported Normal when the pool became ready (the provisioning thread shows it). */
  readyNodes: z.number().int().optional(),
});

export const deployPlanSchema = z.object({
  os: z.string(),
  kubernetesVersion: z.string(),
  /** The profile's container runtime; absent in plans made before tkeops sent it (TKE then kept its own default). */
  runtime: z.object({ containerRuntime: z.enum(['containerd', 'docker']), runtimeVersion: z.string().optional() }).optional(),
  /** The profile's `deletionProtection: true`: a provisioning step turns it on once the cluster is Running. */
  deletionProtection: z.boolean().optional(),
  /** Add-on packs, each installed as a Helm release named after the pack. */
  addons: z.array(
    z.object({
      name: z.string(),
      chart: z.string(),
      version: z.string(),
      /** The Helm repository (https). */
      repository: z.string().min(1),
      namespace: z.string().min(1),
      /** The chart package URL Tencent downloads (the pack's `package`, or its default). */
      package: z.string().min(1),
      values: z.string(),
    }),
  ),
});

/** A price per hour, or the error code that kept it from being known. */
export const priceItemSchema = z.union([z.object({ perHour: z.number() }), z.object({ unavailable: z.string() })]);

/**
 * A price estimate (src/services/cost.ts). Optional on drafts and clusters: files written before
 * it existed simply have none, so it needs no migration.
 */
export const costEstimateSchema = z.object({
  currency: z.string(),
  estimatedAt: z.string(),
  basis: z.string(),
  pools: z.array(
    z.object({
      pool: z.string(),
      instanceType: z.string(),
      zone: z.string(),
      desiredSize: z.number().int(),
      maxSize: z.number().int(),
      unit: priceItemSchema,
      desired: priceItemSchema,
      max: priceItemSchema,
    }),
  ),
  controlPlane: z.object({ level: z.string(), price: priceItemSchema }),
  total: z.object({
    perHour: z.number(),
    upToPerHour: z.number(),
    per30Days: z.number(),
    upToPer30Days: z.number(),
    missing: z.array(z.object({ item: z.string(), code: z.string() })),
  }),
});

const nodeVersionSchema = z.object({ instanceId: z.string(), version: z.string() });
/** Who approves a request, and why it was asked (a create's or a day-two change's). */
const approversSchema = z.discriminatedUnion('kind', [z.object({ kind: z.literal('admins') }), z.object({ kind: z.literal('userGroup'), userGroup: z.string() })]);
const approvalReasonSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('always') }),
  z.object({ kind: z.literal('costAbove'), threshold: z.number(), monthly: z.number(), currency: z.string() }),
  z.object({ kind: z.literal('priceUnavailable'), threshold: z.number() }),
]);

/** A day-two operation under way (src/services/domain/day-two.ts). */
const dayTwoBase = {
  id: z.string(),
  startedBy: z.string(),
  startedAt: z.string(),
  steps: z.record(z.string(), z.string()).default({}),
  calls: z.record(z.string(), z.object({ sentAt: z.string(), answeredAt: z.string().optional() })).default({}),
  /** The approval it waits for, or got (src/services/change-approval.ts). */
  approval: z
    .object({
      approvers: approversSchema,
      reason: approvalReasonSchema,
      cost: z.object({ before: z.number().optional(), after: z.number().optional(), currency: z.string() }).optional(),
      requestedAt: z.string(),
      expiresAt: z.string().optional(),
      approved: z.object({ by: z.string(), at: z.string(), breakGlass: z.boolean() }).optional(),
    })
    .optional(),
};
const dayTwoChangeSchema = z.discriminatedUnion('kind', [
  z.object({
    ...dayTwoBase,
    kind: z.literal('scalePool'),
    params: z.object({
      pool: z.string(),
      nodePoolId: z.string(),
      minSize: z.number().int(),
      desiredSize: z.number().int(),
      maxSize: z.number().int(),
      before: z.object({ minSize: z.number().int(), desiredSize: z.number().int(), maxSize: z.number().int() }),
    }),
  }),
  z.object({ ...dayTwoBase, kind: z.literal('removePool'), params: z.object({ pool: z.string(), nodePoolId: z.string() }) }),
  z.object({ ...dayTwoBase, kind: z.literal('addPool'), params: z.object({ pool: workerPoolSpecSchema, nodePoolId: z.string().optional() }) }),
  z.object({
    ...dayTwoBase,
    kind: z.literal('upgrade'),
    params: z.object({
      from: z.string(),
      to: z.string(),
      upgradeType: z.enum(UPGRADE_TYPES),
      maxUnavailable: z.number().int(),
      nodes: z.array(nodeVersionSchema).optional(),
    }),
  }),
]);

export const clusterRecordSchema = z.object({
  id: z.string(),
  /** The wizard draft this cluster came from: the exactly-once key for Deploy. */
  draftId: z.string(),
  spec: clusterSpecSchema,
  project: z.string().optional(),
  channel: z.string(),
  requestedBy: z.string(),
  createdAt: z.string(),
  status: clusterStatusSchema,
  tkeClusterId: z.string().optional(),
  /** Root message of the provisioning thread. */
  thread: z.object({ channel: z.string(), ts: z.string() }).optional(),
  /**
   * Set when the root message was sent but Slack's answer never came (timeout, HTTP 5xx): Slack
   * may have posted it, so tkeops never posts another root for this cluster, which then has no
   * thread. Removing it makes tkeops post a new root (a duplicate if the first did arrive).
   */
  threadLostAt: z.string().optional(),
  progress: z.object({
    controlPlaneRunningAt: z.string().optional(),
    /**
     * The endpoints come one after the other, each once the one before is Created: the private
     * one (CreateClusterEndpoint), then the public one, then the public one's access CIDRs
     * (ModifyClusterEndpointSP). Each time is written when its step is done, so a restart goes on
     * from there and never repeats a call.
     */
    privateEndpointRequestedAt: z.string().optional(),
    /** Tencent reported the private endpoint Created. */
    privateEndpointReadyAt: z.string().optional(),
    publicEndpointRequestedAt: z.string().optional(),
    /** Tencent reported the public endpoint Created. */
    publicEndpointReadyAt: z.string().optional(),
    /** The public endpoint was restricted to the spec's CIDRs (ModifyClusterEndpointSP). */
    publicEndpointRestrictedAt: z.string().optional(),
    /** Every endpoint Created and the public one restricted: the "Endpoint ready" step. */
    endpointReadyAt: z.string().optional(),
    pools: z.array(poolProgressSchema).default([]),
    addonsRequestedAt: z.string().optional(),
    /** One entry per add-on pack CreateClusterRelease was sent for (or whose release already existed). */
    addons: z.array(z.object({ name: z.string(), requestedAt: z.string() })).default([]),
    addonsReadyAt: z.string().optional(),
    readyAt: z.string().optional(),
    /** Done times of lifecycle steps that have no field above (keyed by step key; see src/lifecycle). */
    steps: z.record(z.string(), z.string()).optional(),
  }),
  /** Thread steps already posted, so a restart never posts one twice. */
  posted: z.array(z.string()).default([]),
  /** Consecutive ticks with a transient Tencent error. */
  transientErrors: z.number().int().default(0),
  failure: tencentFailureSchema.optional(),
  /** When the cluster failed: the end of its elapsed time, as the root message and the overview show it. */
  failedAt: z.string().optional(),
  /** What Deploy resolved from the cluster profile and the overrides; later steps use it, not the profile files. */
  plan: deployPlanSchema.optional(),
  deletion: z
    .object({
      requestedBy: z.string(),
      requestedAt: z.string(),
      forcedBy: z.string().optional(),
      forcedAt: z.string().optional(),
      deletedAt: z.string().optional(),
      /** What Tencent still had when the cluster was force deleted, or why tkeops could not list it (the overview shows it). */
      forceFound: z
        .union([
          z.object({
            leftovers: z.object({
              instances: z.array(z.object({ instanceId: z.string(), name: z.string(), state: z.string() })),
              disks: z.array(z.object({ diskId: z.string(), name: z.string(), state: z.string() })),
              loadBalancers: z.array(z.object({ loadBalancerId: z.string(), name: z.string() })),
            }),
          }),
          z.object({ lookupFailure: tencentFailureSchema }),
        ])
        .optional(),
    })
    .optional(),
  /** The price estimate the wizard showed at Deploy. */
  estimate: costEstimateSchema.optional(),
  /** Expiry (src/lifecycle/expiry.ts): when the watcher deletes the cluster, who set it and when. */
  expiresAt: z.string().optional(),
  expirySetBy: z.string().optional(),
  expirySetAt: z.string().optional(),
  /** The approval request Deploy made, when the project's rule applied, and its decision. */
  approval: z
    .object({
      approvers: approversSchema,
      reason: approvalReasonSchema,
      requestedAt: z.string(),
      expiresAt: z.string(),
      decision: z
        .discriminatedUnion('kind', [
          z.object({ kind: z.literal('approved'), by: z.string(), at: z.string(), breakGlass: z.boolean() }),
          z.object({ kind: z.literal('rejected'), by: z.string(), at: z.string(), reason: z.string() }),
          z.object({ kind: z.literal('expired'), at: z.string() }),
        ])
        .optional(),
    })
    .optional(),
  /** Deletion protection as tkeops last set it at Tencent (Enable/DisableClusterDeletionProtection); absent: never set, off. */
  deletionProtection: z.object({ on: z.boolean(), by: z.string(), at: z.string() }).optional(),
  /** The API server's addresses (DescribeClusterEndpoints), read when the cluster became ready. */
  apiServer: z.object({ external: z.string().optional(), intranet: z.string().optional(), domain: z.string().optional() }).optional(),
  /** The day-two operation under way (one at a time); cleared when it is done or failed. */
  change: dayTwoChangeSchema.optional(),
  kubernetes: z.object({ controlPlane: z.string(), nodes: z.array(nodeVersionSchema) }).optional(),
});

/** One worker pool as typed in the wizard (not yet validated); `key` stays stable when other pools are removed. */
export const wizardPoolFormSchema = z.object({
  key: z.string(),
  name: z.string().default(''),
  minSize: z.string().default(''),
  desiredSize: z.string().default(''),
  maxSize: z.string().default(''),
  instanceType: z.string().default(''),
  zones: z.array(z.string()).default([]),
  diskGb: z.string().default(''),
});

/** The wizard's fields as the user last left them, so a view can be rebuilt after a restart. */
export const wizardFormSchema = z.object({
  name: z.string().default(''),
  description: z.string().default(''),
  /** `key:value`, one per line, as typed. */
  tags: z.string().default(''),
  accountId: z.string().optional(),
  profile: z.string().optional(),
  /** Pack name → the YAML values as typed; packs not listed keep the profile's values. */
  packs: z.record(z.string(), z.string()).default({}),
  region: z.string().optional(),
  keyPairId: z.string().optional(),
  vpcId: z.string().optional(),
  subnetId: z.string().optional(),
  endpointAccess: endpointAccessSchema.default('public'),
  /** One CIDR per line, as typed. */
  publicCidrs: z.string().default(''),
  parallelPoolUpdates: z.boolean().default(false),
  pools: z.array(wizardPoolFormSchema).default([]),
  nextPoolKey: z.number().int().default(1),
  /** "Delete automatically after" as picked (absent: the project's default). */
  expiry: z.enum(EXPIRY_CHOICES).optional(),
});

/** Choices loaded from Tencent for the wizard, with what they were loaded for. */
export const wizardOptionsSchema = z.object({
  /** Account the regions were listed with. */
  accountId: z.string().optional(),
  regions: z.array(z.object({ region: z.string(), name: z.string() })).optional(),
  /** Region the key pairs, VPCs and zones below belong to. */
  region: z.string().optional(),
  keyPairs: z.array(z.object({ keyId: z.string(), keyName: z.string() })).optional(),
  vpcs: z.array(z.object({ vpcId: z.string(), name: z.string(), cidr: z.string() })).optional(),
  zones: z.array(z.object({ zone: z.string(), name: z.string() })).optional(),
  /** VPC the subnets (and the instance types of their zones) belong to. */
  vpcId: z.string().optional(),
  subnets: z
    .array(z.object({ subnetId: z.string(), vpcId: z.string(), name: z.string(), zone: z.string(), cidr: z.string() }))
    .optional(),
  instanceTypes: z
    .array(z.object({ instanceType: z.string(), zone: z.string(), cpu: z.number(), memoryGb: z.number(), gpu: z.number().optional() }))
    .optional(),
  /** The TKE clusters already in that VPC and the CIDRs they take (a new cluster's must not overlap them). */
  vpcClusters: z.array(z.object({ clusterId: z.string(), name: z.string(), cidrs: z.array(z.string()) })).optional(),
  /** The last Tencent error while loading choices, shown in the modal until a load succeeds. */
  error: tencentFailureSchema.extend({ what: z.string() }).optional(),
});

export const draftRecordSchema = z.object({
  id: z.string(),
  userId: z.string(),
  channel: z.string(),
  /** The Slack view currently showing this draft. */
  viewId: z.string().optional(),
  spec: clusterSpecSchema.partial(),
  /** The channel's project when the wizard was opened. */
  project: z.string().optional(),
  form: wizardFormSchema.optional(),
  options: wizardOptionsSchema.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  clusterId: z.string().optional(),
  /** The price of the spec last submitted on the pools step. */
  estimate: costEstimateSchema.optional(),
});

export const auditEntrySchema = z.object({
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

/**
 * A provisioning-thread message recorded before it is sent (version 4): `ts` once Slack took it.
 * One per cluster and step; `event` (a thread reply's ThreadEvent, plain JSON) to send it again.
 */
export const outboxEntrySchema = z.object({
  clusterId: z.string(),
  step: z.string(),
  channel: z.string(),
  threadTs: z.string().optional(),
  recordedAt: z.string(),
  ts: z.string().optional(),
  event: z.record(z.string(), z.unknown()).optional(),
});

export const storeDataSchema = z.object({
  version: z.literal(STORE_VERSION),
  /**
   * A known text encrypted with the master key the store was written with (added in version 3,
   * written at the first start with a key): a start with another key is refused before anything
   * tries to decrypt a Secret Key.
   */
  keyCheck: encryptedSecretSchema.optional(),
  accounts: z.array(accountRecordSchema),
  clusters: z.array(clusterRecordSchema),
  drafts: z.array(draftRecordSchema),
  audit: z.array(auditEntrySchema),
  outbox: z.array(outboxEntrySchema),
});

export type Tag = z.infer<typeof tagSchema>;
export type EncryptedSecret = z.infer<typeof encryptedSecretSchema>;
export type AccountScope = z.infer<typeof accountScopeSchema>;
export type AccountRecord = z.infer<typeof accountRecordSchema>;
export type EndpointAccessChoice = z.infer<typeof endpointAccessSchema>;
export type WorkerPoolSpec = z.infer<typeof workerPoolSpecSchema>;
export type ClusterSpec = z.infer<typeof clusterSpecSchema>;
export type ClusterStatus = z.infer<typeof clusterStatusSchema>;
export type TencentFailure = z.infer<typeof tencentFailureSchema>;
export type ClusterRecord = z.infer<typeof clusterRecordSchema>;
export type DraftRecord = z.infer<typeof draftRecordSchema>;
export type DeployPlan = z.infer<typeof deployPlanSchema>;
export type WizardPoolForm = z.infer<typeof wizardPoolFormSchema>;
export type WizardForm = z.infer<typeof wizardFormSchema>;
export type WizardOptions = z.infer<typeof wizardOptionsSchema>;
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type OutboxEntryRecord = z.infer<typeof outboxEntrySchema>;
export type StoreData = z.infer<typeof storeDataSchema>;

export const emptyStore = (): StoreData => ({ version: STORE_VERSION, accounts: [], clusters: [], drafts: [], audit: [], outbox: [] });

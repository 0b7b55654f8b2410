import { z } from 'zod';

/** Schema of the JSON store (data/db.json). Bumping it needs a migration in store.ts. */

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

export const endpointAccessSchema = z.enum(['public', 'private', 'private-public']);

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
});

export const clusterStatusSchema = z.enum([
  'Creating', // CreateCluster sent or about to be
  'Provisioning', // control plane, endpoint, worker pools, add-ons coming up
  'Running',
  'Failed',
  'Deleting',
  'Deleted',
  'DeletedForced',
]);

export const tencentFailureSchema = z.object({
  code: z.string(),
  message: z.string(),
  requestId: z.string().optional(),
  action: z.string().optional(),
});

export const poolProgressSchema = z.object({
  name: z.string(),
  nodePoolId: z.string().optional(),
  readyAt: z.string().optional(),
});

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
  progress: z.object({
    controlPlaneRunningAt: z.string().optional(),
    endpointRequestedAt: z.string().optional(),
    endpointReadyAt: z.string().optional(),
    pools: z.array(poolProgressSchema).default([]),
    addonsRequestedAt: z.string().optional(),
    addonsReadyAt: z.string().optional(),
    readyAt: z.string().optional(),
  }),
  /** Thread steps already posted, so a restart never posts one twice. */
  posted: z.array(z.string()).default([]),
  /** Consecutive ticks with a transient Tencent error. */
  transientErrors: z.number().int().default(0),
  failure: tencentFailureSchema.optional(),
  deletion: z
    .object({
      requestedBy: z.string(),
      requestedAt: z.string(),
      forceOfferedAt: z.string().optional(),
      forcedBy: z.string().optional(),
      forcedAt: z.string().optional(),
      deletedAt: z.string().optional(),
    })
    .optional(),
});

export const draftRecordSchema = z.object({
  id: z.string(),
  userId: z.string(),
  channel: z.string(),
  /** The Slack view currently showing this draft. */
  viewId: z.string().optional(),
  step: z.string(),
  spec: clusterSpecSchema.partial(),
  createdAt: z.string(),
  updatedAt: z.string(),
  clusterId: z.string().optional(),
});

export const auditEntrySchema = z.object({
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

export const storeDataSchema = z.object({
  version: z.literal(1),
  accounts: z.array(accountRecordSchema),
  clusters: z.array(clusterRecordSchema),
  drafts: z.array(draftRecordSchema),
  audit: z.array(auditEntrySchema),
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
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type StoreData = z.infer<typeof storeDataSchema>;

export const emptyStore = (): StoreData => ({ version: 1, accounts: [], clusters: [], drafts: [], audit: [] });

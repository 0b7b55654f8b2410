/**
 * The rules every wizard field follows, used by the wizard's handlers (step by step) and again in
 * full before Deploy. Input is the wizard form as typed (strings); output is a typed ClusterSpec
 * or errors keyed by field (`name`, `pack:mariadb`, `pool:p2:desiredSize` ...), which the wizard
 * maps to its block ids for `response_action: errors`.
 *
 * Choices made where Tencent leaves room:
 * - Cluster name: TKE takes up to 60 characters. tkeops also limits the characters to letters,
 *   digits, `-` and `_` (starting with a letter, ending with a letter or digit), because the name
 *   is typed in `/tke status <name>` and in the delete confirmation. Unique among the project's
 *   clusters that are not deleted, whatever its case (isClusterNameTaken in cluster-lookup.ts).
 * - Tags follow Tencent's tag rules: key 1–127 and value 1–255 characters of letters, digits,
 *   spaces and `+ - = . _ : / @`; keys starting with qcloud, tencent or project are reserved.
 *   The line's first `:` separates key and value. At most 49: tkeops adds its own tag
 *   (TKEOPS_TAG_KEY) to find the cluster's resources again, and Tencent allows 50.
 * - Public access CIDRs are required (at least one) whenever the endpoint is public: tkeops never
 *   opens an API server to the whole internet by default — type 0.0.0.0/0 to do that on purpose.
 *   A bare address means that one address (/32). With private access the field must be empty.
 * - Worker pools: 1–10 (what fits in one modal), 0 ≤ min ≤ desired ≤ max, 1 ≤ max ≤ 200 nodes.
 * - System disk: 20–2048 GB (CBS system disk limits), in steps of 10 GB as the TKE console offers.
 * - GPU instance types need a GPU image (`… GPU`, with the NVIDIA driver) and the GPU images need GPU
 *   instance types: the OS image is the profile's (with the packs step's overrides) for every pool.
 *   Whether a type has GPUs is what CVM reports for it (DescribeInstanceTypeConfigs' GPU count);
 *   only when it reports none, the family's name tells (GN*, GI*, GT*: Tencent's GPU families).
 */
import { defaultExpiryChoice, EXPIRY_LABELS, expiryChoicesFor, type ExpiryChoice, type ExpiryRule } from './domain/expiry.js';
import { z } from 'zod';
import { cidrsOverlap } from './cidr.js';
import { OS_IMAGES } from './pack-rules.js';
import type { OsImage } from './pack-rules.js';
import { applyOverrides, listPacks, osImageOf } from './profiles.js';
import type { NetworkLayer, Profile, ProfileCatalog } from './profiles.js';
import type { ClusterSpec, Tag, WizardForm, WizardOptions, WizardPoolForm, WorkerPoolSpec } from './domain/index.js';
import type { PolicyRefusal } from './policy-types.js';
import {
  CLUSTER_DESCRIPTION_MAX,
  CLUSTER_NAME_MAX,
  DISK_MAX_GB,
  DISK_MIN_GB,
  DISK_STEP_GB,
  includesPublic,
  instanceTypesFor,
  MAX_POOL_NODES,
  MAX_PUBLIC_CIDRS,
  MAX_TAGS,
  MAX_WORKER_POOLS,
  packField,
  POOL_NAME_MAX,
  poolField,
  poolZones,
  TAG_KEY_MAX,
  TAG_VALUE_MAX,
  TKEOPS_TAG_KEY,
  type FieldKey,
  type PoolField,
} from './domain/rules.js';

// The rules' figures and helpers live in domain/rules.ts (the views draw with them too); the rules are here.
export { instanceTypesFor, MAX_WORKER_POOLS, poolZones, type FieldKey } from './domain/rules.js';



/** A field's problem: what is wrong, in plain words, or the policy's refusal (the view says who may). */
export type FieldError = string | PolicyRefusal;
export type FieldErrors = Partial<Record<FieldKey, FieldError>>;
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };


/** What the rules need to know besides the form. */
export interface SpecContext {
  /** Whether the project already has a cluster of this name that is not deleted (cluster-lookup's isClusterNameTaken). */
  isNameTaken(name: string): boolean;
  /** Why the form's cloud account may not be used here (the policy's refusal, naming who may); undefined when it may. */
  accountRefusal: PolicyRefusal | undefined;
  profiles: ProfileCatalog;
  /** What Tencent offered in the wizard. */
  options: WizardOptions;
  /** The project's expiry rule (policy `expiry`); absent: no maximum, no default. */
  expiryRule?: ExpiryRule | undefined;
}

// ---- small parsers --------------------------------------------------------------------------

/** `a.b.c.d/n` with the host bits zero, or a bare address (= /32); returns the normalised CIDR. */
export function parseIpv4Cidr(text: string): { cidr: string } | { problem: string } {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!match) return { problem: `${text} is not an IPv4 CIDR like 203.0.113.0/24` };
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return { problem: `${text}: each number of an IPv4 address is 0–255` };
  const prefix = match[5] === undefined ? 32 : Number(match[5]);
  if (prefix > 32) return { problem: `${text}: the prefix length is 0–32` };
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const network = Math.floor(address / size) * size;
  if (network !== address) {
    const aligned = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    return { problem: `${text} is not a network address; did you mean ${aligned}/${prefix}?` };
  }
  return { cidr: `${octets.join('.')}/${prefix}` };
}

/**
 * TKE refuses a pod or service CIDR that overlaps the cluster's VPC or another cluster's CIDRs in
 * that VPC; the cluster profile fixes them, so the VPC is what the user can change.
 */
function networkConflict(network: NetworkLayer, options: WizardOptions, vpcId: string): string | undefined {
  const own = [
    ...(network.mode === 'GR' ? [{ what: 'pod CIDR', cidr: network.clusterCidr }] : []),
    ...(network.serviceCidr ? [{ what: 'service CIDR', cidr: network.serviceCidr }] : []),
  ];
  const vpc = options.vpcs?.find((v) => v.vpcId === vpcId);
  const taken = [
    ...(vpc ? [{ by: `this VPC (${vpc.cidr})`, cidr: vpc.cidr }] : []),
    ...(options.vpcId === vpcId ? (options.vpcClusters ?? []) : []).flatMap((c) =>
      c.cidrs.map((cidr) => ({ by: `cluster ${c.name} (${c.clusterId}, ${cidr}) in this VPC`, cidr })),
    ),
  ];
  for (const mine of own) {
    const clash = taken.find((t) => cidrsOverlap(mine.cidr, t.cidr));
    if (clash) return `The cluster profile's ${mine.what} ${mine.cidr} overlaps ${clash.by}; choose another VPC or cluster profile`;
  }
  return undefined;
}

const lines = (text: string): { line: number; text: string }[] =>
  text
    .split(/\r?\n/)
    .map((line, i) => ({ line: i + 1, text: line.trim() }))
    .filter((l) => l.text !== '');

const TAG_TEXT = /^[\p{L}\p{N} +\-=._:/@]+$/u;
const RESERVED_TAG_PREFIX = /^(qcloud|tencent|project)/i;

/** `key:value` per line (blank lines ignored). */
export function parseTags(text: string): { tags: Tag[] } | { problem: string } {
  const tags: Tag[] = [];
  for (const { line, text: entry } of lines(text)) {
    const colon = entry.indexOf(':');
    if (colon < 0) return { problem: `Line ${line}: write each tag as key:value` };
    const key = entry.slice(0, colon).trim();
    const value = entry.slice(colon + 1).trim();
    const at = `Line ${line} (${key || 'no key'})`;
    if (key === '') return { problem: `Line ${line}: the tag key is empty` };
    if (value === '') return { problem: `${at}: the tag value is empty` };
    if (key.length > TAG_KEY_MAX) return { problem: `${at}: a tag key has at most ${TAG_KEY_MAX} characters` };
    if (value.length > TAG_VALUE_MAX) return { problem: `${at}: a tag value has at most ${TAG_VALUE_MAX} characters` };
    if (!TAG_TEXT.test(key) || !TAG_TEXT.test(value)) {
      return { problem: `${at}: tags may use letters, digits, spaces and + - = . _ : / @ only` };
    }
    if (RESERVED_TAG_PREFIX.test(key)) return { problem: `${at}: keys starting with qcloud, tencent or project are reserved by Tencent` };
    if (key === TKEOPS_TAG_KEY) return { problem: `${at}: ${TKEOPS_TAG_KEY} is set by tkeops itself` };
    if (tags.some((t) => t.key === key)) return { problem: `${at}: the key ${key} is used twice` };
    tags.push({ key, value });
  }
  if (tags.length > MAX_TAGS) return { problem: `At most ${MAX_TAGS} tags (Tencent allows 50 and tkeops adds one)` };
  return { tags };
}

/** Public access CIDRs, one per line; duplicates refused. */
export function parseCidrList(text: string): { cidrs: string[] } | { problem: string } {
  const cidrs: string[] = [];
  for (const { line, text: entry } of lines(text)) {
    const parsed = parseIpv4Cidr(entry);
    if ('problem' in parsed) return { problem: `Line ${line}: ${parsed.problem}` };
    if (cidrs.includes(parsed.cidr)) return { problem: `Line ${line}: ${parsed.cidr} is listed twice` };
    cidrs.push(parsed.cidr);
  }
  if (cidrs.length > MAX_PUBLIC_CIDRS) return { problem: `At most ${MAX_PUBLIC_CIDRS} CIDRs` };
  return { cidrs };
}

// ---- field schemas ----------------------------------------------------------------------------

const nameRule = (what: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `Enter a ${what} name`)
    .max(max, `A ${what} name has at most ${max} characters`)
    .regex(/^[A-Za-z]/, `Start the ${what} name with a letter`)
    .regex(/^[A-Za-z0-9_-]*$/, `Use only letters, digits, - and _ in the ${what} name`)
    .regex(/[A-Za-z0-9]$/, `End the ${what} name with a letter or digit`);

export const clusterNameSchema = nameRule('cluster', CLUSTER_NAME_MAX);
export const poolNameSchema = nameRule('worker pool', POOL_NAME_MAX);

const count = (label: string, min: number) =>
  z
    .string()
    .trim()
    .min(1, `Enter the ${label}`)
    .regex(/^\d+$/, `The ${label} is a whole number`)
    .transform(Number)
    .pipe(z.number().int().min(min, `The ${label} is at least ${min}`).max(MAX_POOL_NODES, `The ${label} is at most ${MAX_POOL_NODES}`));

const diskSchema = z
  .string()
  .trim()
  .min(1, 'Enter the disk size in GB')
  .regex(/^\d+$/, 'The disk size is a whole number of GB')
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .min(DISK_MIN_GB, `A system disk is at least ${DISK_MIN_GB} GB`)
      .max(DISK_MAX_GB, `A system disk is at most ${DISK_MAX_GB} GB`)
      .multipleOf(DISK_STEP_GB, `Use a multiple of ${DISK_STEP_GB} GB`),
  );

/** Runs a zod schema on one field, writing its first problem under `key`. */
function field<S extends z.ZodType>(schema: S, input: unknown, key: FieldKey, errors: FieldErrors): z.output<S> | undefined {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  errors[key] ??= result.error.issues[0]?.message ?? 'Not valid';
  return undefined;
}

const done = <T>(errors: FieldErrors, value: () => T): Checked<T> =>
  Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: value() };

// ---- steps ------------------------------------------------------------------------------------

export type Basics = Pick<ClusterSpec, 'name' | 'description' | 'tags' | 'accountId' | 'profile' | 'expiry'>;

/** "Delete automatically after": the choice made (else the project's default), within the project's maximum. */
function checkExpiry(form: WizardForm, rule: ExpiryRule, errors: FieldErrors): ExpiryChoice {
  const choice = form.expiry ?? defaultExpiryChoice(rule);
  if (!expiryChoicesFor(rule).includes(choice)) {
    errors.expiry = `${EXPIRY_LABELS[choice]} is beyond this project's maximum (${EXPIRY_LABELS[expiryChoicesFor(rule).at(-1) ?? 'never']})`;
  }
  return choice;
}

export function checkBasics(form: WizardForm, context: Pick<SpecContext, 'isNameTaken' | 'accountRefusal' | 'profiles' | 'expiryRule'>): Checked<Basics> {
  const errors: FieldErrors = {};
  const name = field(clusterNameSchema, form.name, 'name', errors);
  if (name !== undefined && context.isNameTaken(name)) {
    errors.name = `A cluster named ${name} already exists in this project`;
  }
  const description = field(
    z.string().trim().max(CLUSTER_DESCRIPTION_MAX, `A description has at most ${CLUSTER_DESCRIPTION_MAX} characters`),
    form.description,
    'description',
    errors,
  );
  const tags = parseTags(form.tags);
  if ('problem' in tags) errors.tags = tags.problem;
  if (!form.accountId) errors.accountId = 'Choose a cloud account';
  else if (context.accountRefusal !== undefined) errors.accountId = context.accountRefusal;
  if (!form.profile) errors.profile = 'Choose a cluster profile';
  else if (!context.profiles.get(form.profile)) errors.profile = `There is no cluster profile named ${form.profile}`;
  const expiry = checkExpiry(form, context.expiryRule ?? {}, errors);
  return done(errors, () => ({
    ...(expiry === 'never' ? {} : { expiry }),
    name: name ?? '',
    description: description ?? '',
    tags: 'tags' in tags ? tags.tags : [],
    accountId: form.accountId ?? '',
    profile: form.profile ?? '',
  }));
}

/** The user's pack values that differ from the profile's (the overrides to keep). */
export function packOverridesOf(form: WizardForm, profile: Profile): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const pack of listPacks(profile)) {
    const typed = form.packs[pack.packName];
    // Slack may drop a trailing newline from the text it shows; that is not an edit.
    if (typed !== undefined && typed.trim() !== pack.values.trim()) overrides[pack.packName] = typed;
  }
  return overrides;
}

/** The profile with valid overrides applied. */
function resolvedProfile(profile: Profile, packOverrides: Record<string, string>): Profile {
  const result = applyOverrides(profile, packOverrides);
  if (!result.ok) throw new Error(`profile ${profile.name}: overrides were checked before`);
  return result.profile;
}

/** Every pack's values against the pack rules (OsName, PVC sizes, YAML syntax). */
export function checkPacks(form: WizardForm, profile: Profile): Checked<{ packOverrides: Record<string, string> }> {
  const packOverrides = packOverridesOf(form, profile);
  const result = applyOverrides(profile, packOverrides);
  if (result.ok) return { ok: true, value: { packOverrides } };
  const errors: FieldErrors = {};
  for (const error of result.errors) {
    const key = packField(error.pack);
    errors[key] = errors[key] ? `${errors[key]}\n${error.message}` : error.message;
  }
  return { ok: false, errors };
}

export type Placement = Pick<ClusterSpec, 'region' | 'keyPairId' | 'vpcId' | 'subnetId' | 'endpointAccess' | 'publicCidrs'>;


export function checkPlacement(form: WizardForm, options: WizardOptions, network?: NetworkLayer): Checked<Placement> {
  const errors: FieldErrors = {};
  const regionLists = options.region !== undefined && options.region === form.region;
  if (!form.region) errors.region = 'Choose a region';
  else if (!(options.regions ?? []).some((r) => r.region === form.region)) errors.region = `${form.region} is not offered for this cloud account`;
  if (!form.keyPairId) errors.keyPairId = 'Choose an SSH key pair';
  else if (!regionLists || !(options.keyPairs ?? []).some((k) => k.keyId === form.keyPairId)) {
    errors.keyPairId = 'This key pair is not in the chosen region';
  }
  if (!form.vpcId) errors.vpcId = 'Choose a VPC';
  else if (!regionLists || !(options.vpcs ?? []).some((v) => v.vpcId === form.vpcId)) errors.vpcId = 'This VPC is not in the chosen region';
  else {
    const conflict = network ? networkConflict(network, options, form.vpcId) : undefined;
    if (conflict) errors.vpcId = conflict;
  }
  if (!form.subnetId) errors.subnetId = 'Choose a subnet';
  else if (options.vpcId !== form.vpcId || !(options.subnets ?? []).some((s) => s.subnetId === form.subnetId)) {
    errors.subnetId = 'This subnet is not in the chosen VPC';
  }
  let publicCidrs: string[] = [];
  const parsed = parseCidrList(form.publicCidrs);
  if ('problem' in parsed) errors.publicCidrs = parsed.problem;
  else if (includesPublic(form.endpointAccess) && parsed.cidrs.length === 0) {
    errors.publicCidrs = 'List at least one CIDR allowed to reach the public endpoint (0.0.0.0/0 allows any address)';
  } else if (!includesPublic(form.endpointAccess) && parsed.cidrs.length > 0) {
    errors.publicCidrs = 'Public access CIDRs apply only with public access; clear them or choose a public option';
  } else publicCidrs = parsed.cidrs;
  return done(errors, () => ({
    region: form.region ?? '',
    keyPairId: form.keyPairId ?? '',
    vpcId: form.vpcId ?? '',
    subnetId: form.subnetId ?? '',
    endpointAccess: form.endpointAccess,
    publicCidrs,
  }));
}


export type Pools = Pick<ClusterSpec, 'parallelPoolUpdates' | 'workerPools'>;

/** Tencent's GPU instance families (GN7, GN10X, GI3X, GT4 …), for a type CVM reports no GPU count for. */
const GPU_FAMILY = /^G[NIT]\d/i;

/** Whether `instanceType` has GPUs: CVM's GPU count for it when the wizard loaded one, else its family's name. */
export function isGpuInstanceType(instanceType: string, options: Pick<WizardOptions, 'instanceTypes'>): boolean {
  const reported = (options.instanceTypes ?? []).find((t) => t.instanceType === instanceType && t.gpu !== undefined)?.gpu;
  return reported === undefined ? GPU_FAMILY.test(instanceType) : reported > 0;
}

/** TKE's GPU images carry the NVIDIA driver and end in ` GPU`. */
export const isGpuImage = (image: OsImage): boolean => image.endsWith(' GPU');

/** The images that fit an instance type, the same distribution as `image` first. */
function imagesFitting(gpu: boolean, image: OsImage): OsImage[] {
  const distribution = (os: string) => /^[a-z]+/.exec(os)?.[0] ?? os;
  return OS_IMAGES.filter((os) => isGpuImage(os) === gpu).sort(
    (a, b) => Number(distribution(b) === distribution(image)) - Number(distribution(a) === distribution(image)),
  );
}

/**
 * The pool rule between instance type and OS image, for the instance-type field (the wizard's pools
 * step, and any other pool form): a GPU type needs a GPU image, a GPU image a GPU type.
 */
export function instanceTypeImageConflict(
  instanceType: string,
  image: OsImage,
  options: Pick<WizardOptions, 'instanceTypes'>,
  /** 'wizard': the image can still change in the packs step; 'cluster': a running cluster's image, fixed. */
  imageOf: 'wizard' | 'cluster' = 'wizard',
): string | undefined {
  const gpuType = isGpuInstanceType(instanceType, options);
  if (gpuType === isGpuImage(image)) return undefined;
  const fitting = imagesFitting(gpuType, image).join(', ');
  if (imageOf === 'cluster') {
    return gpuType
      ? `${instanceType} is a GPU instance type; the cluster's OS image ${image} has no GPU driver (GPU types need ${fitting}). Pick a non-GPU instance type.`
      : `${instanceType} has no GPU; the cluster's OS image ${image} is for GPU instance types (other types need ${fitting}). Pick a GPU instance type.`;
  }
  return gpuType
    ? `${instanceType} is a GPU instance type; the cluster profile's OS image ${image} has no GPU driver. ` +
        `Pick a GPU image (${fitting}) in the packs step, or a non-GPU instance type.`
    : `${instanceType} has no GPU; the cluster profile's OS image ${image} is for GPU instance types. ` +
        `Pick a non-GPU image (${fitting}) in the packs step, or a GPU instance type.`;
}

/** A pool's min / desired / max as typed, each a whole number within the limits, min <= desired <= max. */
function poolSizesOf(pool: Pick<WizardPoolForm, 'minSize' | 'desiredSize' | 'maxSize'>, at: (f: PoolField) => FieldKey, errors: FieldErrors) {
  const minSize = field(count('minimum size', 0), pool.minSize, at('minSize'), errors);
  const maxSize = field(count('maximum size', 1), pool.maxSize, at('maxSize'), errors);
  const desiredSize = field(count('desired size', 0), pool.desiredSize, at('desiredSize'), errors);
  if (minSize !== undefined && maxSize !== undefined && minSize > maxSize) {
    errors[at('minSize')] = `The minimum (${minSize}) is larger than the maximum (${maxSize})`;
  } else if (minSize !== undefined && maxSize !== undefined && desiredSize !== undefined && (desiredSize < minSize || desiredSize > maxSize)) {
    errors[at('desiredSize')] = `The desired size must be between the minimum (${minSize}) and the maximum (${maxSize})`;
  }
  return { minSize, desiredSize, maxSize };
}

/**
 * The wizard's size rules for one pool's min / desired / max (the scale form): errors keyed
 * `pool:<poolKey>:minSize` etc., like the wizard's pools step.
 */
export function checkPoolSizes(
  poolKey: string,
  typed: Pick<WizardPoolForm, 'minSize' | 'desiredSize' | 'maxSize'>,
): Checked<Pick<WorkerPoolSpec, 'minSize' | 'desiredSize' | 'maxSize'>> {
  const errors: FieldErrors = {};
  const sizes = poolSizesOf(typed, (f) => poolField(poolKey, f), errors);
  return done(errors, () => ({ minSize: sizes.minSize ?? 0, desiredSize: sizes.desiredSize ?? 0, maxSize: sizes.maxSize ?? 0 }));
}

function checkPool(
  pool: WizardPoolForm,
  options: WizardOptions,
  vpcId: string | undefined,
  image: OsImage | undefined,
  errors: FieldErrors,
  imageOf: 'wizard' | 'cluster' = 'wizard',
): WorkerPoolSpec | undefined {
  const at = (f: PoolField) => poolField(pool.key, f);
  const before = Object.keys(errors).length;
  const name = field(poolNameSchema, pool.name, at('name'), errors);
  const { minSize, desiredSize, maxSize } = poolSizesOf(pool, at, errors);
  const usable = poolZones(options, vpcId);
  if (pool.zones.length === 0) errors[at('zones')] = 'Choose at least one availability zone';
  else {
    const outside = pool.zones.filter((zone) => !usable.includes(zone));
    if (outside.length > 0) errors[at('zones')] = `The chosen VPC has no subnet in ${outside.join(', ')}`;
  }
  if (!pool.instanceType) errors[at('instanceType')] = 'Choose an instance type';
  else if (!errors[at('zones')] && !instanceTypesFor(options, pool.zones).some((t) => t.instanceType === pool.instanceType)) {
    errors[at('instanceType')] = `${pool.instanceType} is not sold in every chosen zone`;
  } else if (image !== undefined) {
    const conflict = instanceTypeImageConflict(pool.instanceType, image, options, imageOf);
    if (conflict) errors[at('instanceType')] = conflict;
  }
  const diskGb = field(diskSchema, pool.diskGb, at('diskGb'), errors);
  if (Object.keys(errors).length > before) return undefined;
  return {
    name: name ?? '',
    minSize: minSize ?? 0,
    desiredSize: desiredSize ?? 0,
    maxSize: maxSize ?? 0,
    instanceType: pool.instanceType,
    zones: [...pool.zones],
    diskGb: diskGb ?? DISK_MIN_GB,
  };
}

/** The pools; with `image` (the OS image the cluster runs), each pool's instance type against it too. */
export function checkWorkerPools(form: WizardForm, options: WizardOptions, image?: OsImage): Checked<Pools> {
  const errors: FieldErrors = {};
  if (form.pools.length === 0) errors.workerPools = 'Add at least one worker pool';
  if (form.pools.length > MAX_WORKER_POOLS) errors.workerPools = `At most ${MAX_WORKER_POOLS} worker pools`;
  const pools: WorkerPoolSpec[] = [];
  for (const pool of form.pools) {
    const checked = checkPool(pool, options, form.vpcId, image, errors);
    if (!checked) continue;
    if (pools.some((p) => p.name.toLowerCase() === checked.name.toLowerCase())) {
      errors[poolField(pool.key, 'name')] = `Another worker pool is already named ${checked.name}`;
    }
    pools.push(checked);
  }
  return done(errors, () => ({ parallelPoolUpdates: form.parallelPoolUpdates, workerPools: pools }));
}

/**
 * One pool added to a running cluster (`/tke pool add`): the wizard's rules for a pool, with the
 * cluster's VPC and its OS image (fixed now), a name none of its pools has, and at most
 * MAX_WORKER_POOLS pools in all. Errors are keyed like the wizard's (`pool:<key>:<field>`).
 */
export function checkAddedPool(
  pool: WizardPoolForm,
  options: WizardOptions,
  cluster: { vpcId: string; image: OsImage | undefined; pools: readonly string[] },
): Checked<WorkerPoolSpec> {
  const errors: FieldErrors = {};
  const checked = checkPool(pool, options, cluster.vpcId, cluster.image, errors, 'cluster');
  if (checked && cluster.pools.some((name) => name.toLowerCase() === checked.name.toLowerCase())) {
    errors[poolField(pool.key, 'name')] = `The cluster already has a worker pool named ${checked.name}`;
  }
  if (cluster.pools.length >= MAX_WORKER_POOLS) errors[poolField(pool.key, 'name')] = `The cluster has ${cluster.pools.length} worker pools, the most tkeops gives one cluster`;
  return done(errors, () => checked as WorkerPoolSpec);
}

/** Every rule at once: what the review step and Deploy check. */
export function checkClusterSpec(form: WizardForm, context: SpecContext): Checked<ClusterSpec> {
  const basics = checkBasics(form, context);
  const profile = form.profile ? context.profiles.get(form.profile) : undefined;
  const packs = profile ? checkPacks(form, profile) : undefined;
  const placement = checkPlacement(form, context.options, profile?.layers.network);
  // The OS image every pool runs: the profile's, with the packs step's overrides (unchecked while those are invalid).
  const image = profile && packs?.ok ? osImageOf(resolvedProfile(profile, packs.value.packOverrides)) : undefined;
  const pools = checkWorkerPools(form, context.options, image);
  if (basics.ok && packs?.ok && placement.ok && pools.ok) {
    return {
      ok: true,
      value: { ...basics.value, packOverrides: packs.value.packOverrides, ...placement.value, ...pools.value },
    };
  }
  const errors: FieldErrors = {
    ...(basics.ok ? {} : basics.errors),
    ...(packs && !packs.ok ? packs.errors : {}),
    ...(placement.ok ? {} : placement.errors),
    ...(pools.ok ? {} : pools.errors),
  };
  return { ok: false, errors };
}

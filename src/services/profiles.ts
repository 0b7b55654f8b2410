/**
 * Cluster profiles: the deployment templates shipped in data/profiles/, one YAML file each.
 *
 * A profile file looks like this (every field is required unless marked optional):
 *
 *   name: ubuntu-mariadb              # slug, unique across all profile files
 *   description: Ubuntu with MariaDB  # one line, shown next to the name in the wizard
 *   deletionProtection: true          # optional, default false: TKE's deletion protection is turned on
 *                                     # once the cluster is Running (a provisioning step)
 *   layers:
 *     os:                             # the OS pack
 *       name: ubuntu                  # pack name: the key the wizard's overrides use
 *       version: "18.04"              # quote it, or YAML reads 18.04 as a number
 *       values: |                     # YAML text; OsName must be one of OS_IMAGES
 *         OsName: ubuntu18.04.1x86_64
 *     kubernetes:
 *       version: 1.30.0               # a TKE Kubernetes version, major.minor.patch
 *       containerRuntime: containerd  # optional, default containerd; docker only for Kubernetes
 *                                     # below 1.24 (Kubernetes removed dockershim in 1.24)
 *       runtimeVersion: "1.6.9"       # optional: the runtime's version, digits and dots (quote it);
 *                                     # default: the one TKE picks (DescribeSupportedRuntime lists them)
 *     network:                        # GR: TKE's GlobalRouter gives pods this CIDR ...
 *       mode: GR
 *       clusterCidr: 172.16.0.0/16
 *       serviceCidr: 172.17.0.0/20    # optional, both modes
 *     # network: { mode: VPC-CNI }    # ... or pods take IPs from the VPC subnets chosen in the wizard
 *     addons:                         # optional, defaults to none
 *       - name: mariadb               # pack name, unique within the profile (the OS pack included);
 *                                     # it names the Helm release, so it starts with a letter
 *         chart: mariadb              # Helm chart name, without the repository
 *         version: 20.0.0             # chart version
 *         repository: https://charts.bitnami.com/bitnami   # Helm repository (https)
 *         namespace: default          # optional, default `default`
 *         package: https://…/mariadb-20.0.0.tgz   # optional: the chart package TKE downloads; default
 *                                     # <repository>/<chart>-<version>.tgz, the layout `helm repo index` writes
 *         values: |                   # Helm values; every PVC size >= 10Gi and a multiple of 10
 *           primary:
 *             persistence:
 *               size: 20Gi
 *
 * Deploy always sends the runtime to TKE (CreateCluster's ClusterAdvancedSettings.ContainerRuntime and
 * RuntimeVersion, and the same on each CreateClusterNodePool): the SDK's model says an omitted
 * ContainerRuntime means docker, which Kubernetes 1.24 and later cannot run.
 *
 * Pack values stay YAML text end to end: it is what the wizard shows and lets the user edit, and
 * what TKE receives (CreateClusterRelease installs each add-on pack as a Helm release). Tencent
 * downloads the package itself and refuses URLs that redirect, so `package` must point at the file. The pack rules (./pack-rules.ts) check it at load time and again for overrides.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, isNode, isScalar, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { z } from 'zod';
import { formatPath, validatePackValues } from './pack-rules.js';
import type { PackError, PackKind } from './pack-rules.js';
import { cidrRange, cidrsOverlap, isPrivateCidr } from './cidr.js';
import { listPacks } from './domain/profile.js';

export { listPacks, osImageOf } from './domain/profile.js';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const slug = z.string().regex(SLUG, { error: 'must be a slug: lowercase letters, digits and dashes, at most 40 characters' });
const text = (what: string) => z.string({ error: `must be text (${what}); quote it` }).trim().min(1, { error: 'must not be empty' });

const OsPackSchema = z.strictObject({
  name: slug,
  version: text('e.g. "18.04"'),
  values: z.string({ error: 'must be YAML text, e.g. a block starting with |' }),
});

/** An https URL (Tencent downloads add-on charts over https only). */
function isHttpsUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && url.hostname !== '';
  } catch {
    return false;
  }
}

const AddonPackSchema = z
  .strictObject({
    name: slug.regex(/^[a-z]/, { error: 'must start with a letter: it names the Helm release' }),
    chart: z
      .string({ error: 'must be a Helm chart name like mariadb' })
      .regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'must be a Helm chart name like mariadb, without the repository' }),
    version: z
      .string({ error: 'must be a chart version like 20.0.0; quote it' })
      .regex(/^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, { error: 'must be a chart version like 20.0.0' }),
    repository: text('an https URL, e.g. https://charts.bitnami.com/bitnami'),
    namespace: z
      .string({ error: 'must be a Kubernetes namespace like default' })
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, { error: 'must be a Kubernetes namespace: lowercase letters, digits and dashes, at most 63 characters' })
      .default('default'),
    package: text('an https URL ending in .tgz').optional(),
    values: z.string({ error: 'must be YAML text, e.g. a block starting with |' }).default(''),
  })
  .superRefine((pack, ctx) => {
    if (!isHttpsUrl(pack.repository)) {
      ctx.addIssue({ code: 'custom', path: ['repository'], message: `pack ${pack.name}: must be an https URL, not ${pack.repository}` });
    }
    if (pack.package !== undefined && !(isHttpsUrl(pack.package) && new URL(pack.package).pathname.endsWith('.tgz'))) {
      ctx.addIssue({ code: 'custom', path: ['package'], message: `pack ${pack.name}: must be an https URL ending in .tgz, not ${pack.package}` });
    }
  });

/** A pod or service CIDR as TKE takes it: a network address in a private range (10/8, 172.16/12, 192.168/16). */
const cidr = z
  .cidrv4({ error: 'must be an IPv4 CIDR like 172.16.0.0/16', abort: true })
  .refine((text) => cidrRange(text)?.isNetwork === true, { error: 'must be a network address (the host bits zero), like 10.244.0.0/16', abort: true })
  .refine(isPrivateCidr, { error: 'must lie in a private range: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16' });
const NetworkSchema = z
  .discriminatedUnion(
    'mode',
    [
      z.strictObject({ mode: z.literal('GR'), clusterCidr: cidr, serviceCidr: cidr.optional() }),
      z.strictObject({ mode: z.literal('VPC-CNI'), serviceCidr: cidr.optional() }),
    ],
    { error: 'mode must be GR or VPC-CNI' },
  )
  .refine((network) => !(network.mode === 'GR' && network.serviceCidr && cidrsOverlap(network.clusterCidr, network.serviceCidr)), {
    error: 'serviceCidr must not overlap clusterCidr',
    path: ['serviceCidr'],
  });

/** The container runtimes TKE runs (ClusterAdvancedSettings.ContainerRuntime). */
export const CONTAINER_RUNTIMES = ['containerd', 'docker'] as const;
export type ContainerRuntime = (typeof CONTAINER_RUNTIMES)[number];
/** The last Kubernetes minor version docker can run (1.23): Kubernetes removed dockershim in 1.24. */
export const DOCKER_LAST_MINOR = 23;

const KubernetesLayerSchema = z.strictObject({
  version: z
    .string({ error: 'must be a Kubernetes version like 1.30.0; quote it' })
    .regex(/^1\.\d+\.\d+$/, { error: 'must be a Kubernetes version like 1.30.0' }),
  containerRuntime: z.enum(CONTAINER_RUNTIMES, { error: 'must be containerd or docker' }).default('containerd'),
  runtimeVersion: z
    .string({ error: 'must be a runtime version like 1.6.9; quote it' })
    .regex(/^\d+\.\d+(?:\.\d+)?$/, { error: 'must be a runtime version like 1.6.9 (containerd) or 19.3 (docker)' })
    .optional(),
});

/** The Kubernetes minor version of `1.30.0` (30); undefined for a malformed version. */
export function kubernetesMinor(version: string): number | undefined {
  const match = /^1\.(\d+)(?:\.\d+)?$/.exec(version);
  return match ? Number(match[1]) : undefined;
}

/** Why `runtime` cannot run Kubernetes `version` on TKE, or undefined when it can (docker only below 1.24). */
export function runtimeRefusal(runtime: ContainerRuntime, version: string): string | undefined {
  const minor = kubernetesMinor(version);
  if (runtime !== 'docker' || minor === undefined || minor <= DOCKER_LAST_MINOR) return undefined;
  return `docker runs only Kubernetes below 1.24 (Kubernetes removed dockershim in 1.24), and this profile runs ${version}; use containerd`;
}

export const ProfileSchema = z
  .strictObject({
    name: slug,
    description: text('one line'),
    /** Optional: turn on TKE's deletion protection once the cluster is Running (EnableClusterDeletionProtection). */
    deletionProtection: z.boolean({ error: 'must be true or false' }).optional(),
    layers: z.strictObject({
      os: OsPackSchema,
      kubernetes: KubernetesLayerSchema,
      network: NetworkSchema,
      addons: z.array(AddonPackSchema).default([]),
    }),
  })
  .superRefine((profile, ctx) => {
    const { containerRuntime, version } = profile.layers.kubernetes;
    const refusal = runtimeRefusal(containerRuntime, version);
    if (refusal !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['layers', 'kubernetes', 'containerRuntime'], message: `profile ${profile.name}: ${refusal}` });
    }
    const seen = new Set<string>();
    const packs = [
      { path: ['layers', 'os'], pack: { name: profile.layers.os.name, kind: 'os' as const, values: profile.layers.os.values } },
      ...profile.layers.addons.map((addon, i) => ({
        path: ['layers', 'addons', i],
        pack: { name: addon.name, kind: 'addon' as const, values: addon.values },
      })),
    ];
    for (const { path, pack } of packs) {
      if (seen.has(pack.name)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'name'], message: `pack name "${pack.name}" is used twice in this profile` });
      }
      seen.add(pack.name);
      for (const error of validatePackValues(pack)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'values'],
          message: withoutPackPrefix(error),
          params: { line: error.line, column: error.column },
        });
      }
    }
  });

export type Profile = z.output<typeof ProfileSchema>;
export type OsPack = Profile['layers']['os'];
export type AddonPack = Profile['layers']['addons'][number];
export type NetworkLayer = Profile['layers']['network'];
export type KubernetesLayer = Profile['layers']['kubernetes'];

/** One pack as the wizard's override editor shows it. */
export interface ProfilePack {
  packName: string;
  kind: PackKind;
  values: string;
}

export interface ProfileCatalog {
  /** Every profile, sorted by name. */
  list(): Profile[];
  get(name: string): Profile | undefined;
}

/** A profile file that cannot be used; `problems` holds one `field: reason` line each. */
export class ProfileError extends Error {
  readonly file: string;
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(problems.map((problem) => `${file}: ${problem}`).join('\n'));
    this.name = 'ProfileError';
    this.file = file;
    this.problems = problems;
  }
}

/** Reads every *.yaml / *.yml file in `dir`; the first invalid file, or a name used twice, stops loading. */
export async function loadProfiles(dir: string): Promise<ProfileCatalog> {
  const files = (await readdir(dir)).filter((entry) => /\.ya?ml$/i.test(entry)).sort();
  const sources = new Map<string, string>();
  const profiles: Profile[] = [];
  for (const entry of files) {
    const file = join(dir, entry);
    const profile = parseProfile(await readFile(file, 'utf8'), file);
    const other = sources.get(profile.name);
    if (other !== undefined) throw new ProfileError(file, [`name: profile "${profile.name}" is already defined in ${other}`]);
    sources.set(profile.name, file);
    profiles.push(profile);
  }
  return createProfileCatalog(profiles);
}

/** Parses and validates one profile file's text; `file` only labels the errors. */
export function parseProfile(source: string, file: string): Profile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const { line, col } = lineCounter.linePos(syntax.pos[0]);
    throw new ProfileError(file, [`YAML syntax error at line ${line}, column ${col}: ${syntax.message}`]);
  }
  if (doc.contents === null) throw new ProfileError(file, ['the file is empty; a profile needs name, description and layers']);
  const result = ProfileSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  throw new ProfileError(
    file,
    result.error.issues.map((issue) => describeIssue(issue, doc, lineCounter)),
  );
}

/** A catalog over profiles already validated (names must be unique). */
export function createProfileCatalog(profiles: readonly Profile[]): ProfileCatalog {
  const byName = new Map<string, Profile>();
  for (const profile of profiles) {
    if (byName.has(profile.name)) throw new Error(`profile "${profile.name}" is defined twice`);
    byName.set(profile.name, profile);
  }
  const sorted = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { list: () => [...sorted], get: (name) => byName.get(name) };
}


export type OverrideResult = { ok: true; profile: Profile } | { ok: false; errors: PackError[] };

/**
 * Replaces the values of the packs named in `overrides` (pack name → the full YAML text the user
 * submitted) and checks every pack against the pack rules. The profile passed in is not changed.
 */
export function applyOverrides(profile: Profile, overrides: Readonly<Record<string, string>>): OverrideResult {
  const packNames = new Set(listPacks(profile).map((pack) => pack.packName));
  const unknown: PackError[] = Object.keys(overrides)
    .filter((name) => !packNames.has(name))
    .map((name) => ({ pack: name, path: '', message: `${name}: profile ${profile.name} has no pack with this name` }));
  if (unknown.length > 0) return { ok: false, errors: unknown };

  const valuesOf = (name: string, defaults: string): string => overrides[name] ?? defaults;
  const resolved: Profile = {
    ...profile,
    layers: {
      ...profile.layers,
      os: { ...profile.layers.os, values: valuesOf(profile.layers.os.name, profile.layers.os.values) },
      addons: profile.layers.addons.map((addon) => ({ ...addon, values: valuesOf(addon.name, addon.values) })),
    },
  };
  const errors = listPacks(resolved).flatMap((pack) =>
    validatePackValues({ name: pack.packName, kind: pack.kind, values: pack.values }),
  );
  return errors.length > 0 ? { ok: false, errors } : { ok: true, profile: resolved };
}

/** The chart package TKE downloads for an add-on pack: `package`, else where `helm repo index` puts it. */
export function chartPackageUrl(pack: Pick<AddonPack, 'chart' | 'version' | 'repository' | 'package'>): string {
  return pack.package ?? `${pack.repository.replace(/\/+$/, '')}/${pack.chart}-${pack.version}.tgz`;
}


function withoutPackPrefix(error: PackError): string {
  const prefix = `${error.pack}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/** `layers.network.clusterCidr: must be an IPv4 CIDR like 172.16.0.0/16 (line 12)` */
function describeIssue(issue: z.core.$ZodIssue, doc: Document, lineCounter: LineCounter): string {
  const oneUnknownKey = issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? issue.keys[0] : undefined;
  const path = oneUnknownKey === undefined ? issue.path : [...issue.path, oneUnknownKey];
  const message =
    oneUnknownKey !== undefined
      ? 'is not a known field'
      : issue.code === 'invalid_type' && !doc.hasIn(path)
        ? 'is missing'
        : issue.message;
  const innerLine = issue.code === 'custom' ? issue.params?.['line'] : undefined;
  const line = fileLine(path, typeof innerLine === 'number' ? innerLine : undefined, doc, lineCounter);
  return `${formatPath(path) || '(top level)'}: ${message}${line === undefined ? '' : ` (line ${line})`}`;
}

/**
 * The line in the profile file a problem points at: for a pack rule inside a `values: |` block,
 * the line of the offending value; otherwise the line of the field (or of its nearest parent).
 */
function fileLine(path: readonly PropertyKey[], innerLine: number | undefined, doc: Document, lineCounter: LineCounter): number | undefined {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node: unknown = doc.getIn(path.slice(0, depth), true);
    const offset = isNode(node) ? node.range?.[0] : undefined;
    if (offset === undefined) continue;
    const nodeLine = lineCounter.linePos(offset).line;
    // A literal block's text starts on the line after its `|` header, line for line.
    const literalBlock = depth === path.length && isScalar(node) && node.type === 'BLOCK_LITERAL';
    return literalBlock && innerLine !== undefined ? nodeLine + innerLine : nodeLine;
  }
  return undefined;
}

/**
 * Store migrations: how a file written by an older tkeops becomes the schema this one reads
 * (store-schema.ts, STORE_VERSION). Each step takes the JSON of version `from` to `from + 1`; at
 * open, store.ts runs every step from the file's version up, validates the result against the
 * current schema, keeps the original file byte for byte as `<file>.v<from>.bak` and writes the
 * migrated one atomically. Steps work on plain JSON (never on the current schema's types, which
 * move on), change only what their version changed, and say what they did in `notes`.
 * A new schema version = bump STORE_VERSION, then append one step here.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface StoreMigration {
  /** The version this step reads; it writes `from + 1`. */
  from: number;
  /** One line for the log: what this version changed. */
  summary: string;
  /** Changes `data` in place (its `version` is set by migrate()); records each change that loses or alters user data in `notes`. */
  up(data: JsonObject, notes: string[]): void;
}

const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const objects = (value: Json | undefined): JsonObject[] => (Array.isArray(value) ? value.filter(isObject) : []);
const filled = (value: Json | undefined): boolean => typeof value === 'string' && value !== '';

/** Statuses in which Deploy's plan is still ahead of the cluster: its add-on packs are yet to be installed. */
const PROVISIONING = new Set<Json>(['Creating', 'Provisioning']);

/** The failure a provisioning cluster gets when its plan's add-on packs predate Helm releases. */
export function addonPlanOutdated(packs: string[]): { code: string; message: string; action: string } {
  return {
    code: 'AddonPlanOutdated',
    message:
      `the add-on packs ${packs.join(', ')} were planned by an older tkeops, before they were installed as Helm releases; ` +
      'install them by hand (helm install) or delete the cluster and create it again',
    action: 'CreateClusterRelease',
  };
}

/**
 * v1 → v2: drops the progress fields no longer written or read (createRequestedAt, equal to
 * createdAt; endpointRequestedAt, from when every endpoint was requested at once) and the plans
 * from before add-on packs were Helm releases. In v2 every planned add-on has its Helm repository,
 * chart package URL and namespace. A planned add-on without repository or package (v1 read them as
 * '') cannot be installed or followed: it leaves the plan. A cluster still provisioning (Creating,
 * Provisioning) with such a plan fails with AddonPlanOutdated, naming the packs and what to do, as
 * the watcher of v1 did once it reached the add-on step; any other cluster keeps its status and the
 * rest of its record (its packs were installed, or never will be).
 */
const v1ToV2: StoreMigration = {
  from: 1,
  summary: 'drops progress.createRequestedAt, progress.endpointRequestedAt and add-on plans from before Helm releases',
  up(data, notes) {
    for (const cluster of objects(data.clusters)) {
      const name = isObject(cluster.spec) ? String(cluster.spec.name) : String(cluster.id);
      if (isObject(cluster.progress)) {
        delete cluster.progress.createRequestedAt;
        delete cluster.progress.endpointRequestedAt;
      }
      const plan = cluster.plan;
      if (!isObject(plan) || !Array.isArray(plan.addons)) continue;
      const addons = objects(plan.addons);
      for (const addon of addons) if (!filled(addon.namespace)) addon.namespace = 'default';
      const outdated = addons.filter((a) => !filled(a.repository) || !filled(a.package));
      if (outdated.length === 0) continue;
      const packs = outdated.map((a) => String(a.name));
      plan.addons = addons.filter((a) => !outdated.includes(a));
      if (PROVISIONING.has(cluster.status ?? null)) {
        cluster.status = 'Failed';
        cluster.failure = addonPlanOutdated(packs);
        cluster.transientErrors = 0;
        notes.push(`cluster ${name} (${String(cluster.id)}) failed: AddonPlanOutdated (${packs.join(', ')})`);
      } else {
        notes.push(`cluster ${name} (${String(cluster.id)}, ${String(cluster.status)}): outdated add-on plan entries ${packs.join(', ')} dropped`);
      }
    }
  },
};

/**
 * Version 3 adds the key check (`keyCheck`: a known text encrypted with the master key). The step
 * changes no data: the key check needs the master key, so the first start with one writes it
 * (see key-check.ts), after checking that key against a stored Secret Key when there is one.
 */
const v2ToV3: StoreMigration = {
  from: 2,
  summary: 'adds the master key check, written at the first start with the master key',
  up() {},
};

/** Version 4 adds the outbox: provisioning-thread messages recorded before they are sent (none yet). */
const v3ToV4: StoreMigration = {
  from: 3,
  summary: 'adds the outbox of provisioning-thread messages, empty',
  up(data) {
    data.outbox = [];
  },
};

/** Every step, oldest first: step i reads version i + 1. */
export const STORE_MIGRATIONS: readonly StoreMigration[] = [v1ToV2, v2ToV3, v3ToV4];

export type MigrationResult = { from: number; to: number; data: JsonObject; notes: string[] };

/** Why a file cannot be migrated: the caller names the file. */
export class MigrationRefused extends Error {}

/**
 * Brings the JSON of a store file to version `to` (the current one). Refuses a file without a
 * version, or with a version newer than `to` (written by a newer tkeops: this one would lose what it
 * does not know). Returns the data unchanged (from === to) when it is already current.
 */
export function migrate(json: Json, to: number, steps: readonly StoreMigration[] = STORE_MIGRATIONS): MigrationResult {
  if (!isObject(json)) throw new MigrationRefused('not a JSON object');
  const from = json.version;
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 1) throw new MigrationRefused('it has no schema version (a "version" number)');
  if (from > to) {
    throw new MigrationRefused(`it is schema version ${from}, written by a newer tkeops; this one reads versions up to ${to}. Run the newer tkeops, or restore a backup of version ${to} or older`);
  }
  const data = structuredClone(json);
  const notes: string[] = [];
  for (let version = from; version < to; version += 1) {
    const step = steps.find((s) => s.from === version);
    if (!step) throw new MigrationRefused(`no migration from schema version ${version}`);
    step.up(data, notes);
    data.version = version + 1;
  }
  return { from, to, data, notes };
}

/**
 * Wizard drafts: what a user has entered in `/tke create` so far, kept in the store so a restart
 * mid-wizard loses nothing. A draft is found by its id (carried in the view's private_metadata).
 * A draft left untouched for the time to live (24 h) is gone for get() and update(), and removed from
 * the store when the next draft is created; a draft that became a cluster keeps its link until then,
 * so a late retry of Deploy still finds the cluster.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';
import { wizardFormSchema } from './store-schema.js';
import type { DraftRecord, WizardForm, WizardOptions, WizardPoolForm } from './store-schema.js';
import type { Store } from './store.js';

export const DRAFT_TTL_MS = 24 * 60 * 60 * 1000;

export interface NewDraft {
  userId: string;
  channel: string;
  project?: string | undefined;
  /** Pre-fills the cluster name (`/tke create <name>`). */
  name?: string | undefined;
}

export interface Drafts {
  /** Creates a draft with an empty form (one worker pool, the name if given) and removes expired drafts. */
  create(input: NewDraft): Promise<DraftRecord>;
  /** The draft, unless it does not exist or has expired. */
  get(id: string): DraftRecord | undefined;
  /**
   * Applies `change` to the stored draft and returns the result; undefined when the draft is gone
   * or already became a cluster (a deployed draft is never edited).
   */
  update(id: string, change: (draft: DraftRecord) => void): Promise<DraftRecord | undefined>;
  /** The user's most recently edited draft in the channel that is neither deployed nor expired (what `/tke create` offers to resume). */
  latestOpen(userId: string, channel: string): DraftRecord | undefined;
  /** Removes the draft (Start over, or a wizard Slack never opened); a deployed draft is kept, for late retries of Deploy. */
  discard(id: string): Promise<void>;
}

/**
 * The next worker pool of a wizard form, keyed `p<nextPoolKey>` (the caller then bumps
 * nextPoolKey). The first pool is `workers` with 1/2/3 nodes (min/desired/max) on 50 GB disks; a
 * later one is `pool-N` and copies the sizes, instance type, zones and disk of the last pool.
 */
export function newPoolForm(form: Pick<WizardForm, 'pools' | 'nextPoolKey'>): WizardPoolForm {
  const last = form.pools.at(-1);
  return {
    key: `p${form.nextPoolKey}`,
    name: form.pools.length === 0 ? 'workers' : `pool-${form.pools.length + 1}`,
    minSize: last?.minSize ?? '1',
    desiredSize: last?.desiredSize ?? '2',
    maxSize: last?.maxSize ?? '3',
    instanceType: last?.instanceType ?? '',
    zones: [...(last?.zones ?? [])],
    diskGb: last?.diskGb ?? '50',
  };
}

/** A fresh wizard form: everything empty, one worker pool, public endpoint access. */
export function emptyForm(): WizardForm {
  const form = wizardFormSchema.parse({});
  return { ...form, pools: [newPoolForm(form)], nextPoolKey: form.nextPoolKey + 1 };
}

export const formOf = (draft: DraftRecord): WizardForm => draft.form ?? emptyForm();
export const optionsOf = (draft: DraftRecord): WizardOptions => draft.options ?? {};

export function createDrafts(deps: { store: Store; clock: Clock }): Drafts {
  const expired = (draft: DraftRecord, now: number) => now - Date.parse(draft.updatedAt) >= DRAFT_TTL_MS;

  const drafts: Drafts = {
    async create(input) {
      const now = deps.clock.now();
      const draft: DraftRecord = {
        id: `d${randomBytes(9).toString('base64url')}`,
        userId: input.userId,
        channel: input.channel,
        ...(input.project === undefined ? {} : { project: input.project }),
        spec: {},
        form: { ...emptyForm(), ...(input.name === undefined ? {} : { name: input.name }) },
        options: {},
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      };
      await deps.store.update((data) => {
        data.drafts = data.drafts.filter((d) => !expired(d, now.getTime()));
        data.drafts.push(draft);
      });
      return draft;
    },
    get(id) {
      const now = deps.clock.now().getTime();
      return deps.store.read((data) => data.drafts.find((d) => d.id === id && !expired(d, now)));
    },
    async update(id, change) {
      const now = deps.clock.now();
      return deps.store.update((data) => {
        const draft = data.drafts.find((d) => d.id === id && !expired(d, now.getTime()));
        if (!draft || draft.clusterId !== undefined) return undefined;
        change(draft);
        draft.updatedAt = now.toISOString();
        return draft;
      });
    },
    latestOpen(userId, channel) {
      const now = deps.clock.now().getTime();
      return deps.store.read((data) =>
        data.drafts
          .filter((d) => d.userId === userId && d.channel === channel && d.clusterId === undefined && !expired(d, now))
          .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0],
      );
    },
    async discard(id) {
      await deps.store.update((data) => {
        data.drafts = data.drafts.filter((d) => d.id !== id || d.clusterId !== undefined);
      });
    },
  };
  return drafts;
}

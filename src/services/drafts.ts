/**
 * Wizard drafts: what a user has entered in `/tke create` so far, kept in the store so a restart
 * mid-wizard loses nothing. A draft is found by its id (carried in the view's private_metadata).
 * A draft left untouched for the time to live (24 h) is gone for get() and update(), and removed from
 * the store when the next draft is created; a draft that became a cluster keeps its link until then,
 * so a late retry of Deploy still finds the cluster.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';
import type { Draft, WizardForm, WizardOptions, WizardPoolForm } from './domain/index.js';
import type { DraftRepository } from './repositories/repositories.js';

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
  create(input: NewDraft): Promise<Draft>;
  /** The draft, unless it does not exist or has expired. */
  get(id: string): Promise<Draft | undefined>;
  /**
   * Applies `change` to the stored draft and returns the result; undefined when the draft is gone
   * or already became a cluster (a deployed draft is never edited).
   */
  update(id: string, change: (draft: Draft) => void): Promise<Draft | undefined>;
  /** The user's most recently edited draft in the channel that is neither deployed nor expired (what `/tke create` offers to resume). */
  latestOpen(userId: string, channel: string): Promise<Draft | undefined>;
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
  const form: WizardForm = {
    name: '',
    description: '',
    tags: '',
    packs: {},
    endpointAccess: 'public',
    publicCidrs: '',
    parallelPoolUpdates: false,
    pools: [],
    nextPoolKey: 1,
  };
  return { ...form, pools: [newPoolForm(form)], nextPoolKey: form.nextPoolKey + 1 };
}

export const formOf = (draft: Draft): WizardForm => draft.form ?? emptyForm();
export const optionsOf = (draft: Draft): WizardOptions => draft.options ?? {};

export function createDrafts(deps: { drafts: DraftRepository; clock: Clock }): Drafts {
  const expired = (draft: Draft, now: number) => now - Date.parse(draft.updatedAt) >= DRAFT_TTL_MS;

  return {
    async create(input) {
      const now = deps.clock.now();
      const draft: Draft = {
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
      await deps.drafts.insert(draft, { removeUpdatedBefore: new Date(now.getTime() - DRAFT_TTL_MS + 1).toISOString() });
      return draft;
    },
    async get(id) {
      const draft = await deps.drafts.get(id);
      return draft && !expired(draft, deps.clock.now().getTime()) ? draft : undefined;
    },
    async update(id, change) {
      const now = deps.clock.now();
      let editable = false;
      const draft = await deps.drafts.update(id, (d) => {
        editable = !expired(d, now.getTime()) && d.clusterId === undefined;
        if (!editable) return false;
        change(d);
        d.updatedAt = now.toISOString();
      });
      return editable ? draft : undefined;
    },
    async latestOpen(userId, channel) {
      const now = deps.clock.now().getTime();
      return (await deps.drafts.list({ userId, channel })).find((d) => d.clusterId === undefined && !expired(d, now));
    },
    async discard(id) {
      await deps.drafts.remove(id, (d) => d.clusterId === undefined);
    },
  };
}

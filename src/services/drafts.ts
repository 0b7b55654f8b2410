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
import type { DraftRecord, WizardForm, WizardOptions } from './store-schema.js';
import type { Store } from './store.js';

export const DRAFT_TTL_MS = 24 * 60 * 60 * 1000;

export interface NewDraft {
  userId: string;
  channel: string;
  project?: string | undefined;
}

export interface Drafts {
  /** Creates a draft with an empty form (one worker pool) and removes expired drafts. */
  create(input: NewDraft): Promise<DraftRecord>;
  /** The draft, unless it does not exist or has expired. */
  get(id: string): DraftRecord | undefined;
  /**
   * Applies `change` to the stored draft and returns the result; undefined when the draft is gone
   * or already became a cluster (a deployed draft is never edited).
   */
  update(id: string, change: (draft: DraftRecord) => void): Promise<DraftRecord | undefined>;
}

/** A fresh wizard form: everything empty, one worker pool, public endpoint access. */
export function emptyForm(): WizardForm {
  const form = wizardFormSchema.parse({});
  return { ...form, pools: [{ key: 'p1', name: 'workers', minSize: '1', desiredSize: '2', maxSize: '3', instanceType: '', zones: [], diskGb: '50' }], nextPoolKey: 2 };
}

export const formOf = (draft: DraftRecord): WizardForm => draft.form ?? emptyForm();
export const optionsOf = (draft: DraftRecord): WizardOptions => draft.options ?? {};

export function createDrafts(deps: { store: Store; clock: Clock; ttlMs?: number }): Drafts {
  const ttlMs = deps.ttlMs ?? DRAFT_TTL_MS;
  const expired = (draft: DraftRecord, now: number) => now - Date.parse(draft.updatedAt) >= ttlMs;

  const drafts: Drafts = {
    async create(input) {
      const now = deps.clock.now();
      const draft: DraftRecord = {
        id: `d${randomBytes(9).toString('base64url')}`,
        userId: input.userId,
        channel: input.channel,
        ...(input.project === undefined ? {} : { project: input.project }),
        spec: {},
        form: emptyForm(),
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
  };
  return drafts;
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { createDrafts, DRAFT_TTL_MS } from '../../src/services/drafts.js';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import { openStore } from '../../src/services/store.js';

describe('wizard drafts', () => {
  let dir: string;
  let file: string;
  let clock: ManualClock;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tkeops-drafts-'));
    file = path.join(dir, 'db.json');
    clock = new ManualClock();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const open = async () => createDrafts({ drafts: createLowdbRepositories(await openStore(file)).drafts, clock });
  const newDraft = { userId: 'U0MEMBER', channel: 'C0PLATFORM', project: 'platform' };

  it('starts with an empty form holding one worker pool and public endpoint access', async () => {
    const draft = await (await open()).create(newDraft);
    expect(draft.form).toMatchObject({ name: '', endpointAccess: 'public', pools: [{ key: 'p1' }], nextPoolKey: 2 });
  });

  it('survives a restart: found again by its id', async () => {
    const before = await open();
    const draft = await before.create(newDraft);
    await before.update(draft.id, (d) => {
      d.viewId = 'V0WIZARD1';
      if (d.form) d.form.name = 'payments-prod';
    });
    const after = await open();
    expect(await after.get(draft.id)).toMatchObject({ viewId: 'V0WIZARD1', form: { name: 'payments-prod' } });
  });

  it('expires a draft left untouched for 24 hours, and not one still in use', async () => {
    const drafts = await open();
    const idle = await drafts.create(newDraft);
    const busy = await drafts.create(newDraft);
    clock.advance(DRAFT_TTL_MS - 1_000);
    await drafts.update(busy.id, (d) => (d.viewId = 'V0BUSY'));
    clock.advance(1_000);
    expect(await drafts.get(idle.id)).toBeUndefined();
    expect(await drafts.update(idle.id, (d) => (d.viewId = 'V0IDLE'))).toBeUndefined();
    expect((await drafts.get(busy.id))?.viewId).toBe('V0BUSY');
  });

  it('removes expired drafts from the store when the next draft is created', async () => {
    const store = await openStore(file);
    const drafts = createDrafts({ drafts: createLowdbRepositories(store).drafts, clock });
    const idle = await drafts.create(newDraft);
    clock.advance(DRAFT_TTL_MS);
    const fresh = await drafts.create(newDraft);
    expect(store.read((data) => data.drafts.map((d) => d.id))).toEqual([fresh.id]);
    expect(idle.id).not.toBe(fresh.id);
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import { STORE_VERSION } from '../../src/services/store-schema.js';
import { openStore } from '../../src/services/store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-outbox-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('a store file of schema version 3', () => {
  it('is migrated to the current version with an empty outbox', async () => {
    const v3 = path.join(dir, 'v3.json');
    await writeFile(v3, JSON.stringify({ version: 3, accounts: [], clusters: [], drafts: [], audit: [] }));
    const store = await openStore(v3);
    expect(store.migrated).toMatchObject({ from: 3, to: STORE_VERSION });
    expect(JSON.parse(await readFile(v3, 'utf8'))).toEqual({ version: STORE_VERSION, accounts: [], clusters: [], drafts: [], audit: [], outbox: [] });
    expect(await createLowdbRepositories(store).outbox.pending()).toEqual([]);
  });
});

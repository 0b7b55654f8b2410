import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import type { OutboxMessage, Repositories } from '../../src/services/repositories/repositories.js';
import { STORE_VERSION } from '../../src/services/store-schema.js';
import { openStore } from '../../src/services/store.js';

let dir: string;
let file: string;
let repos: Repositories;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-outbox-'));
  file = path.join(dir, 'db.json');
  repos = createLowdbRepositories(await openStore(file));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The repositories of a tkeops restarted on the same file. */
const reopened = async () => createLowdbRepositories(await openStore(file));

const root = (clusterId: string, recordedAt = '2026-01-01T09:00:00.000Z'): OutboxMessage => ({ clusterId, step: 'root', channel: 'C0PLATFORM', recordedAt });
const reply = (clusterId: string, step: string, recordedAt = '2026-01-01T09:00:00.000Z'): OutboxMessage => ({
  clusterId,
  step,
  channel: 'C0PLATFORM',
  threadTs: '1767258000.000100',
  recordedAt,
  event: { kind: 'stepDone', label: step },
});

describe('the outbox repository', () => {
  it('keeps a message recorded before it is sent across a restart, until it is marked sent with its ts', async () => {
    await repos.outbox.record([root('c-1'), reply('c-2', 'created')]);

    const after = await reopened();
    expect(await after.outbox.pending()).toEqual([root('c-1'), reply('c-2', 'created')]);
    await after.outbox.markSent('c-1', 'root', '1767258000.000100');

    const again = await reopened();
    expect(await again.outbox.pending()).toEqual([reply('c-2', 'created')]);
    expect(await again.outbox.find('c-1', 'root')).toEqual({ ...root('c-1'), ts: '1767258000.000100' });
  });

  it('records one message per cluster and step: recording it again keeps the first record', async () => {
    await repos.outbox.record([root('c-1', '2026-01-01T09:00:00.000Z')]);
    await repos.outbox.record([root('c-1', '2026-01-01T09:05:00.000Z'), root('c-2', '2026-01-01T09:05:00.000Z')]);
    expect(await repos.outbox.pending()).toEqual([root('c-1', '2026-01-01T09:00:00.000Z'), root('c-2', '2026-01-01T09:05:00.000Z')]);
  });

  it('forgets a message Slack did not take, and the sent ones recorded before the given time', async () => {
    await repos.outbox.record([reply('c-1', 'created', '2026-01-01T09:00:00.000Z'), reply('c-1', 'ready', '2026-01-01T09:00:00.000Z'), reply('c-1', 'refused')]);
    await repos.outbox.markSent('c-1', 'created', '1767258000.000200');
    await repos.outbox.forget('c-1', 'refused');
    await repos.outbox.record([reply('c-2', 'created', '2026-01-03T09:00:00.000Z')], { removeSentBefore: '2026-01-02T09:00:00.000Z' });

    expect(await repos.outbox.find('c-1', 'created')).toBeUndefined();
    expect(await repos.outbox.find('c-1', 'refused')).toBeUndefined();
    expect(await repos.outbox.pending()).toEqual([reply('c-1', 'ready'), reply('c-2', 'created', '2026-01-03T09:00:00.000Z')]);
  });
});

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

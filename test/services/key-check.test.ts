import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { checkMasterKey, MasterKeyMismatchError } from '../../src/services/key-check.js';
import { createLogger } from '../../src/services/logger.js';
import { createSecretBox, loadMasterKey } from '../../src/services/secrets.js';
import { openStore, type Store } from '../../src/services/store.js';

const boxA = createSecretBox(Buffer.alloc(32, 1));
const boxB = createSecretBox(Buffer.alloc(32, 2));

describe('the master key check', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tkeops-keycheck-'));
    store = await openStore(path.join(dir, 'db.json'), { clock: new ManualClock() });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is written at the first start with a key, and refuses another key afterwards, naming where that key came from', async () => {
    await checkMasterKey(store, boxA, 'TKEOPS_MASTER_KEY');
    expect(store.read((data) => data.keyCheck)).toBeDefined();
    await checkMasterKey(store, boxA, 'TKEOPS_MASTER_KEY');
    await expect(checkMasterKey(store, boxB, 'the key file /x/master.key')).rejects.toThrow(MasterKeyMismatchError);
    await expect(checkMasterKey(store, boxB, 'the key file /x/master.key')).rejects.toThrow(/^The master key \(the key file \/x\/master.key\) differs from the one the store/);
  });

  it('of a store written before the key check (version 2) refuses a key that cannot read its Secret Keys, and writes no key check', async () => {
    await store.update((data) =>
      void data.accounts.push({
        id: 'a1', name: 'prod', description: '', scope: { kind: 'tenant' }, secretId: 'AKID1', secretKey: boxA.encrypt('secret'),
        addedBy: 'U1', addedAt: '2026-01-01T00:00:00.000Z', validatedAt: '2026-01-01T00:00:00.000Z',
      }),
    );
    await expect(checkMasterKey(store, boxB, 'TKEOPS_MASTER_KEY')).rejects.toThrow(MasterKeyMismatchError);
    expect(store.read((data) => data.keyCheck)).toBeUndefined();
    await checkMasterKey(store, boxA, 'TKEOPS_MASTER_KEY');
    expect(boxA.decrypt(store.read((data) => data.keyCheck) as NonNullable<ReturnType<typeof boxA.encrypt>>)).toBe('tkeops master key check');
  });

  it('a missing master.key next to a store written with a key is an error, and no new key file is made', async () => {
    const storeFile = path.join(dir, 'db.json');
    const logger = createLogger({ level: 'silent' });
    await expect(loadMasterKey({ storeFile, logger, storeHasKey: true })).rejects.toThrow(
      `TKEOPS_MASTER_KEY is not set and the key file ${path.join(dir, 'master.key')} is missing, but the store ${storeFile} was written with a master key: restore that master.key file`,
    );
    await expect(access(path.join(dir, 'master.key'))).rejects.toThrow();
  });
});

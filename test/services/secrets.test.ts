import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/services/logger.js';
import { createSecretBox, loadMasterKey, parseMasterKey } from '../../src/services/secrets.js';

describe('the secret box', () => {
  const box = createSecretBox(randomBytes(32));

  it('gives back the plain text it encrypted', () => {
    expect(box.decrypt(box.encrypt('tencent-secret-key'))).toBe('tencent-secret-key');
  });

  it('writes base64 iv, tag and data that do not contain the plain text', () => {
    const sealed = box.encrypt('tencent-secret-key');
    expect(Buffer.from(sealed.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64')).toHaveLength(16);
    expect(JSON.stringify(sealed)).not.toContain('tencent-secret-key');
    expect(Buffer.from(sealed.data, 'base64').toString('utf8')).not.toContain('tencent');
  });

  it('uses a fresh iv every time, so the same key never encrypts the same way twice', () => {
    expect(box.encrypt('same').data).not.toBe(box.encrypt('same').data);
  });

  it('refuses to decrypt with another master key', () => {
    const sealed = box.encrypt('tencent-secret-key');
    expect(() => createSecretBox(randomBytes(32)).decrypt(sealed)).toThrow(/encrypted with another master key or was altered/);
  });

  it('refuses altered ciphertext', () => {
    const sealed = box.encrypt('tencent-secret-key');
    const data = Buffer.from(sealed.data, 'base64');
    data[0] = (data[0] ?? 0) ^ 1;
    expect(() => box.decrypt({ ...sealed, data: data.toString('base64') })).toThrow(/altered/);
  });
});

describe('the master key', () => {
  it('accepts 64 hex characters and 32 bytes of base64', () => {
    const key = randomBytes(32);
    expect(parseMasterKey(key.toString('hex'))).toEqual(key);
    expect(parseMasterKey(key.toString('base64'))).toEqual(key);
  });

  it.each([
    ['too short', randomBytes(16).toString('base64')],
    ['63 hex characters', 'a'.repeat(63)],
    ['a passphrase', 'correct horse battery staple'],
  ])('refuses %s, naming TKEOPS_MASTER_KEY and not echoing the value', (_label, value) => {
    let message = '';
    try {
      parseMasterKey(value);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^TKEOPS_MASTER_KEY must be a 32-byte key written as 64 hex characters or as base64/);
    expect(message).not.toContain(value);
  });

  describe('without TKEOPS_MASTER_KEY', () => {
    let dir: string;
    let logs: string[];
    const logger = () => createLogger({ destination: { write: (line: string) => void logs.push(line) } });

    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'tkeops-secrets-'));
      logs = [];
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('creates master.key next to the store, readable by its owner only, and warns', async () => {
      const key = await loadMasterKey({ storeFile: path.join(dir, 'db.json'), logger: logger() });
      const file = path.join(dir, 'master.key');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(parseMasterKey(await readFile(file, 'utf8'))).toEqual(key);
      expect(logs).toHaveLength(1);
      expect(JSON.parse(logs[0] ?? '{}')).toMatchObject({ level: 40, keyFile: file });
      expect(logs[0]).toContain('TKEOPS_MASTER_KEY is not set');
      expect(logs[0]).toContain('(created now)');
    });

    it('reuses the key file on restart', async () => {
      const first = await loadMasterKey({ storeFile: path.join(dir, 'db.json'), logger: logger() });
      const second = await loadMasterKey({ storeFile: path.join(dir, 'db.json'), logger: logger() });
      expect(second).toEqual(first);
      expect(logs[1]).not.toContain('created now');
    });

    it('refuses a damaged key file, naming it', async () => {
      await writeFile(path.join(dir, 'master.key'), 'not a key\n');
      await expect(loadMasterKey({ storeFile: path.join(dir, 'db.json'), logger: logger() })).rejects.toThrow(
        `The key file ${path.join(dir, 'master.key')} must be a 32-byte key`,
      );
    });

    it('uses TKEOPS_MASTER_KEY when set, with no key file and no warning', async () => {
      const key = randomBytes(32);
      expect(await loadMasterKey({ masterKey: key.toString('hex'), storeFile: path.join(dir, 'db.json'), logger: logger() })).toEqual(key);
      await expect(stat(path.join(dir, 'master.key'))).rejects.toThrow(/ENOENT/);
      expect(logs).toEqual([]);
    });
  });
});

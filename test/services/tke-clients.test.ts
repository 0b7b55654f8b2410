import { describe, expect, it } from 'vitest';
import { createTencentClients } from '../../src/services/tke-clients.js';

const account = { secretId: 'AKIDclientcache01', secretKey: 'key-one' };

describe('the Tencent client factory', () => {
  it('reuses one client per service, account and region', () => {
    const clients = createTencentClients({ endpoint: 'http://127.0.0.1:1' });
    const target = { credential: account, region: 'ap-guangzhou' };
    expect(clients.tke(target)).toBe(clients.tke({ credential: { ...account }, region: 'ap-guangzhou' }));
    expect(clients.tke(target)).not.toBe(clients.tke({ credential: account, region: 'ap-shanghai' }));
    expect(clients.cvm(target)).not.toBe(clients.cvm({ credential: { ...account, secretId: 'AKIDclientcache02' }, region: 'ap-guangzhou' }));
  });

  it('builds a new client when the Secret Key changes, so a rotated key is used at once', () => {
    const clients = createTencentClients({ endpoint: 'http://127.0.0.1:1' });
    const before = clients.tke({ credential: account, region: 'ap-guangzhou' });
    const after = clients.tke({ credential: { ...account, secretKey: 'key-two' }, region: 'ap-guangzhou' });
    expect(after).not.toBe(before);
  });
});

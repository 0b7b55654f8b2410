import { createHash } from 'node:crypto';
import { tke } from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/index.js';
import { cvm } from 'tencentcloud-sdk-nodejs/tencentcloud/services/cvm/index.js';
import { vpc } from 'tencentcloud-sdk-nodejs/tencentcloud/services/vpc/index.js';
import { cbs } from 'tencentcloud-sdk-nodejs/tencentcloud/services/cbs/index.js';
import { clb } from 'tencentcloud-sdk-nodejs/tencentcloud/services/clb/index.js';
import type { ClientConfig, HttpProfile } from 'tencentcloud-sdk-nodejs/tencentcloud/common/interface.js';
import type { TkeTarget } from './tke.js';

export type TkeClient = InstanceType<typeof tke.v20180525.Client>;
export type CvmClient = InstanceType<typeof cvm.v20170312.Client>;
export type VpcClient = InstanceType<typeof vpc.v20170312.Client>;
export type CbsClient = InstanceType<typeof cbs.v20170312.Client>;
export type ClbClient = InstanceType<typeof clb.v20180317.Client>;

/** Builds the real tencentcloud-sdk-nodejs clients for one account and region. */
export interface TencentClientFactory {
  tke(target: TkeTarget): TkeClient;
  cvm(target: TkeTarget): CvmClient;
  vpc(target: TkeTarget): VpcClient;
  cbs(target: TkeTarget): CbsClient;
  clb(target: TkeTarget): ClbClient;
}

/**
 * `http://127.0.0.1:4577` → protocol `http://`, endpoint `127.0.0.1:4577` (every service then
 * shares that endpoint, as the emulator expects). A value without a scheme is taken as https.
 */
export function endpointProfile(endpoint: string): Pick<HttpProfile, 'protocol' | 'endpoint'> {
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Tencent endpoint must be http(s), got ${url.protocol}`);
  }
  return { protocol: `${url.protocol}//`, endpoint: url.host };
}

export function createTencentClients(options: { endpoint?: string; timeoutSeconds?: number } = {}): TencentClientFactory {
  const httpProfile: HttpProfile = {
    reqMethod: 'POST',
    reqTimeout: options.timeoutSeconds ?? 30,
    ...(options.endpoint ? endpointProfile(options.endpoint) : {}),
  };
  const config = (target: TkeTarget): ClientConfig => ({
    credential: { secretId: target.credential.secretId, secretKey: target.credential.secretKey },
    region: target.region,
    // English messages: they are shown to operators in Slack.
    profile: { signMethod: 'TC3-HMAC-SHA256', language: 'en-US', httpProfile },
  });
  // One client per service, account and region, reused by every call (the watcher calls often).
  // The key holds a digest of the Secret Key, never the key, so a rotated key gets a new client.
  const cache = new Map<string, unknown>();
  function cached<T>(service: string, target: TkeTarget, build: (config: ClientConfig) => T): T {
    const keyDigest = createHash('sha256').update(target.credential.secretKey).digest('hex');
    const key = `${service}|${target.credential.secretId}|${keyDigest}|${target.region}`;
    let client = cache.get(key) as T | undefined;
    if (client === undefined) {
      client = build(config(target));
      cache.set(key, client);
    }
    return client;
  }
  return {
    tke: (target) => cached('tke', target, (c) => new tke.v20180525.Client(c)),
    cvm: (target) => cached('cvm', target, (c) => new cvm.v20170312.Client(c)),
    vpc: (target) => cached('vpc', target, (c) => new vpc.v20170312.Client(c)),
    cbs: (target) => cached('cbs', target, (c) => new cbs.v20170312.Client(c)),
    clb: (target) => cached('clb', target, (c) => new clb.v20180317.Client(c)),
  };
}

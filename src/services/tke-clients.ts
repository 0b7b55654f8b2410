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
  return {
    tke: (target) => new tke.v20180525.Client(config(target)),
    cvm: (target) => new cvm.v20170312.Client(config(target)),
    vpc: (target) => new vpc.v20170312.Client(config(target)),
    cbs: (target) => new cbs.v20170312.Client(config(target)),
    clb: (target) => new clb.v20180317.Client(config(target)),
  };
}

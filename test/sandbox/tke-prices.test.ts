import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tke } from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/index.js';
import { cvm } from 'tencentcloud-sdk-nodejs/tencentcloud/services/cvm/index.js';
import type { InquiryPriceRunInstancesRequest } from 'tencentcloud-sdk-nodejs/tencentcloud/services/cvm/v20170312/cvm_models.js';
import { ManualClock } from '../../src/services/clock.js';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';

const ACCOUNT = { secretId: 'AKIDpricetest00001', secretKey: 'price-test-key-01' };

let emulator: TkeEmulator;
beforeEach(async () => {
  emulator = await startTkeEmulator({ clock: new ManualClock(), accounts: [ACCOUNT] });
});
afterEach(async () => {
  await emulator.close();
});

const profile = () => ({ httpProfile: { protocol: 'http://', endpoint: new URL(emulator.url).host } });
const tkeClient = (region = 'ap-guangzhou') => new tke.v20180525.Client({ credential: ACCOUNT, region, profile: profile() });
const cvmClient = (region = 'ap-guangzhou') => new cvm.v20170312.Client({ credential: ACCOUNT, region, profile: profile() });

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

async function ubuntuImage(region?: string): Promise<string> {
  const images = await tkeClient(region).DescribeOSImages({});
  return images.OSImageSeriesSet?.find((i) => i.OsName === 'ubuntu18.04.1x86_64')?.ImageId ?? '';
}

const inquiry = (imageId: string, overrides: Partial<InquiryPriceRunInstancesRequest> = {}): InquiryPriceRunInstancesRequest => ({
  Placement: { Zone: 'ap-guangzhou-3' },
  ImageId: imageId,
  InstanceChargeType: 'POSTPAID_BY_HOUR',
  InstanceType: 'S5.LARGE8',
  SystemDisk: { DiskType: 'CLOUD_PREMIUM', DiskSize: 60 },
  ...overrides,
});

describe('the emulator prices instances and control planes', () => {
  it('quotes an instance with its system disk per hour, in 元, from the region\'s table (Tokyo ×1.5)', async () => {
    const gz = await cvmClient().InquiryPriceRunInstances(inquiry(await ubuntuImage()));
    expect(gz.Price?.InstancePrice).toEqual({ UnitPrice: 0.83, UnitPriceDiscount: 0.67, Discount: 80, ChargeUnit: 'HOUR' });
    expect(gz.Price?.BandwidthPrice).toMatchObject({ UnitPriceDiscount: 0, ChargeUnit: 'HOUR' });

    const jp = await cvmClient('ap-tokyo').InquiryPriceRunInstances(inquiry(await ubuntuImage('ap-tokyo'), { Placement: { Zone: 'ap-tokyo-1' }, InstanceCount: 2 }));
    // (0.64 × 1.5 + 60 × 0.0005) × 2
    expect(jp.Price?.InstancePrice?.UnitPriceDiscount).toBe(1.98);
  });

  it('answers GetClusterLevelPrice in 分, and refuses a level it does not know', async () => {
    expect(await tkeClient().GetClusterLevelPrice({ ClusterLevel: 'L50' })).toMatchObject({ Cost: 50, TotalCost: 50, Policy: 100 });
    expect(await codeOf(tkeClient().GetClusterLevelPrice({ ClusterLevel: 'L7' }))).toBe('InvalidParameterValue');
  });

  it('validates inquiries like CVM: image, zone, instance type, charge type, disk', async () => {
    const image = await ubuntuImage();
    const cvmc = cvmClient();
    expect(await codeOf(cvmc.InquiryPriceRunInstances({ Placement: { Zone: 'ap-guangzhou-3' } } as InquiryPriceRunInstancesRequest))).toBe('MissingParameter');
    expect(await codeOf(cvmc.InquiryPriceRunInstances(inquiry('img-00000000')))).toBe('InvalidImageId.NotFound');
    expect(await codeOf(cvmc.InquiryPriceRunInstances(inquiry(image, { Placement: { Zone: 'ap-shanghai-2' } })))).toBe('InvalidZone.MismatchRegion');
    expect(await codeOf(cvmc.InquiryPriceRunInstances(inquiry(image, { InstanceType: 'GN7.2XLARGE32', Placement: { Zone: 'ap-guangzhou-4' } })))).toBe(
      'InvalidParameterValue.InstanceTypeNotFound',
    );
    expect(await codeOf(cvmc.InquiryPriceRunInstances(inquiry(image, { InstanceChargeType: 'PREPAID' })))).toBe('InvalidParameterValue');
    expect(await codeOf(cvmc.InquiryPriceRunInstances(inquiry(image, { SystemDisk: { DiskType: 'LOCAL_NVME', DiskSize: 60 } })))).toBe('InvalidParameterValue');
  });

  it('fails an inquiry when told to, like any action', async () => {
    emulator.failNext('GetClusterLevelPrice', { code: 'InternalError', message: 'Pricing is down.' });
    expect(await codeOf(tkeClient().GetClusterLevelPrice({ ClusterLevel: 'L20' }))).toBe('InternalError');
    expect(await tkeClient().GetClusterLevelPrice({ ClusterLevel: 'L20' })).toMatchObject({ Cost: 20 });
  });
});

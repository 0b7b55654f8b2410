/**
 * Price inquiries: CVM InquiryPriceRunInstances (what instances would cost) and TKE
 * GetClusterLevelPrice (what a managed control plane of a level costs), answered from the seed's
 * price table of the request's region; TKE DescribeOSImages, which gives the image id of each OS
 * TKE installs on nodes (InquiryPriceRunInstances requires an ImageId).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { InquiryPriceRunInstancesResponse } from 'tencentcloud-sdk-nodejs/tencentcloud/services/cvm/v20170312/cvm_models.js';
import type { DescribeOSImagesResponse, GetClusterLevelPriceResponse } from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/v20180525/tke_models.js';
import { ApiError, invalidParameterValue } from '../errors.js';
import type { ActionContext } from './define.js';
import { defineAction, filterSchema } from './define.js';
import { KNOWN_OS_IMAGES } from './tke-clusters.js';

function region(context: ActionContext) {
  const data = context.state.regionData(context.scope);
  if (!data) throw new ApiError('UnsupportedRegion', `The region \`${context.scope.region}\` is not supported.`);
  return data;
}

/** The public image id of a TKE OS: stable, shaped like CVM's (img- and 8 lowercase letters or digits). */
export function osImageId(os: string): string {
  const digest = createHash('sha256').update(os).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `img-${Array.from(digest.subarray(0, 8), (b) => alphabet[b % alphabet.length]).join('')}`;
}

/** Money as CVM answers it: 元, to the fen. */
const yuan = (n: number): number => Math.round(n * 100) / 100;

// ---- TKE 2018-05-25 ------------------------------------------------------------------------

export const describeOSImages = defineAction({
  service: 'tke',
  action: 'DescribeOSImages',
  schema: z.object({ Filters: z.array(filterSchema).optional() }),
  handle: (): DescribeOSImagesResponse => ({
    TotalCount: KNOWN_OS_IMAGES.length,
    OSImageSeriesSet: KNOWN_OS_IMAGES.map((os) => ({
      SeriesName: os.split(/[\d ]/)[0] ?? os,
      Alias: os,
      OsName: os,
      OsCustomizeType: 'GENERAL',
      Status: 'online',
      ImageId: osImageId(os),
      Arch: 'x86_64',
    })),
  }),
});

export const getClusterLevelPrice = defineAction({
  service: 'tke',
  action: 'GetClusterLevelPrice',
  schema: z.object({ ClusterLevel: z.string().min(1) }),
  handle: (context, req): GetClusterLevelPriceResponse => {
    const cents = region(context).clusterLevelPrices[req.ClusterLevel];
    if (cents === undefined) {
      const levels = Object.keys(region(context).clusterLevelPrices).join(', ');
      throw invalidParameterValue('ClusterLevel', `\`${req.ClusterLevel}\` is not a cluster level (${levels})`);
    }
    // Cost and TotalCost are in 分; the emulator grants no discount (Policy 100 = 100%, no discount).
    return { Cost: cents, TotalCost: cents, Policy: 100 };
  },
});

// ---- CVM 2017-03-12 ------------------------------------------------------------------------

const POSTPAID = 'POSTPAID_BY_HOUR';

export const inquiryPriceRunInstances = defineAction({
  service: 'cvm',
  action: 'InquiryPriceRunInstances',
  schema: z.object({
    Placement: z.object({ Zone: z.string().min(1), ProjectId: z.int().optional() }),
    ImageId: z.string().regex(/^img-[a-z0-9]{8}$/, 'must be an image id like img-xxxxxxxx'),
    InstanceChargeType: z.enum(['PREPAID', POSTPAID, 'SPOTPAID']).optional(),
    InstanceType: z.string().min(1).optional(),
    SystemDisk: z.object({ DiskType: z.string().optional(), DiskSize: z.int().min(20).max(2048).optional() }).optional(),
    InternetAccessible: z
      .object({ InternetChargeType: z.string().optional(), InternetMaxBandwidthOut: z.int().min(0).optional(), PublicIpAssigned: z.boolean().optional() })
      .optional(),
    InstanceCount: z.int().min(1).max(100).optional(),
    InstanceName: z.string().max(128).optional(),
  }),
  handle: (context, req): InquiryPriceRunInstancesResponse => {
    const data = region(context);
    const chargeType = req.InstanceChargeType ?? POSTPAID;
    if (chargeType !== POSTPAID) throw invalidParameterValue('InstanceChargeType', `the emulator prices ${POSTPAID} only`);
    const zone = req.Placement.Zone;
    if (!data.zones.some((z) => z.zone === zone)) {
      throw new ApiError('InvalidZone.MismatchRegion', `The zone \`${zone}\` does not belong to the region \`${context.scope.region}\`.`);
    }
    const imageIds = KNOWN_OS_IMAGES.map(osImageId);
    if (!imageIds.includes(req.ImageId)) throw new ApiError('InvalidImageId.NotFound', `The image \`${req.ImageId}\` was not found.`);
    const typeName = req.InstanceType ?? 'S5.MEDIUM4';
    const type = data.instanceTypes.find((t) => t.instanceType === typeName && (t.zones ?? [zone]).includes(zone));
    if (!type?.price) {
      throw new ApiError('InvalidParameterValue.InstanceTypeNotFound', `The instance type \`${typeName}\` is not sold in zone ${zone}.`);
    }
    const diskType = req.SystemDisk?.DiskType ?? 'CLOUD_PREMIUM';
    const diskPrice = data.systemDiskPrices[diskType];
    if (diskPrice === undefined) throw invalidParameterValue('SystemDisk.DiskType', `\`${diskType}\` is not sold in ${context.scope.region}`);
    const disk = diskPrice * (req.SystemDisk?.DiskSize ?? 50);
    const count = req.InstanceCount ?? 1;
    const mbps = req.InternetAccessible?.InternetMaxBandwidthOut ?? 0;
    const bandwidth = yuan(mbps * data.bandwidthPricePerMbps * count);
    const discount = type.price.unitPrice > 0 ? Math.round((type.price.unitPriceDiscount / type.price.unitPrice) * 1000) / 10 : 100;
    return {
      Price: {
        // The system disk is part of the instance's price, as CVM quotes it.
        InstancePrice: {
          UnitPrice: yuan((type.price.unitPrice + disk) * count),
          UnitPriceDiscount: yuan((type.price.unitPriceDiscount + disk) * count),
          Discount: discount,
          ChargeUnit: 'HOUR',
        },
        BandwidthPrice: { UnitPrice: bandwidth, UnitPriceDiscount: bandwidth, Discount: 100, ChargeUnit: 'HOUR' },
      },
    };
  },
});

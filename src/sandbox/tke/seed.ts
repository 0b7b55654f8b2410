import { z } from 'zod';

/** Region data the emulator answers Describe calls with. Validated when it arrives over HTTP. */
export const seedSchema = z.object({
  regions: z.array(
    z.object({
      region: z.string().min(1),
      regionId: z.int(),
      /** Short name TKE returns as `Alias`, e.g. gz. */
      alias: z.string(),
      /** TKE `Status`; `alluser` means available to every account. */
      status: z.string().default('alluser'),
      zones: z.array(
        z.object({
          zone: z.string().min(1),
          zoneId: z.string(),
          name: z.string(),
          available: z.boolean().default(true),
        }),
      ),
      keyPairs: z.array(z.object({ keyId: z.string().min(1), keyName: z.string() })),
      vpcs: z.array(
        z.object({
          vpcId: z.string().min(1),
          name: z.string(),
          cidr: z.string(),
          isDefault: z.boolean().default(false),
          subnets: z.array(
            z.object({ subnetId: z.string().min(1), name: z.string(), zone: z.string(), cidr: z.string() }),
          ),
        }),
      ),
      instanceTypes: z.array(
        z.object({
          instanceType: z.string().min(1),
          family: z.string(),
          cpu: z.int(),
          memoryGb: z.number(),
          gpu: z.number().default(0),
          /** Zones that sell the type; every zone of the region when absent. */
          zones: z.array(z.string()).optional(),
          /**
           * Pay-as-you-go price of one instance, 元 (CNY) per hour, as InquiryPriceRunInstances answers
           * it (ItemPrice.UnitPrice before discount, UnitPriceDiscount after); a type without a price
           * is not priced (InquiryPriceRunInstances answers InvalidParameterValue.InstanceTypeNotFound).
           */
          price: z.object({ unitPrice: z.number().min(0), unitPriceDiscount: z.number().min(0) }).optional(),
        }),
      ),
      /** 元 per GB of system disk per hour, by CBS disk type; a disk type not listed is refused. */
      systemDiskPrices: z.record(z.string(), z.number().min(0)).default(() => ({ ...DEFAULT_SYSTEM_DISK_PRICES })),
      /** 元 per Mbps of public bandwidth per hour (BANDWIDTH_POSTPAID_BY_HOUR). */
      bandwidthPricePerMbps: z.number().min(0).default(0.08),
      /** GetClusterLevelPrice's answer per managed cluster level, in 分 (CNY cents) per hour, after discount. */
      clusterLevelPrices: z.record(z.string(), z.int().min(0)).default(() => ({ ...DEFAULT_CLUSTER_LEVEL_PRICES })),
    }),
  ),
});

/** Demo system disk prices, 元 per GB-hour. */
export const DEFAULT_SYSTEM_DISK_PRICES: Readonly<Record<string, number>> = { CLOUD_PREMIUM: 0.0005, CLOUD_SSD: 0.0014, CLOUD_BSSD: 0.001 };
/** Demo managed control plane prices, 分 per hour, by the levels GetClusterLevelPrice takes. */
export const DEFAULT_CLUSTER_LEVEL_PRICES: Readonly<Record<string, number>> = {
  L20: 20,
  L50: 50,
  L100: 90,
  L200: 160,
  L500: 350,
  L1000: 600,
  L3000: 1500,
  L5000: 2300,
};

export type EmulatorSeedInput = z.input<typeof seedSchema>;
export type EmulatorSeed = z.output<typeof seedSchema>;
export type SeedRegion = EmulatorSeed['regions'][number];

/** Key pairs are account-wide in CVM, so every region lists the same two. */
const DEMO_KEY_PAIRS = [
  { keyId: 'skey-demo0001', keyName: 'ops-team' },
  { keyId: 'skey-demo0002', keyName: 'ci-deploy' },
];

const STANDARD_TYPES = [
  { instanceType: 'S5.MEDIUM4', family: 'S5', cpu: 2, memoryGb: 4, gpu: 0 },
  { instanceType: 'S5.LARGE8', family: 'S5', cpu: 4, memoryGb: 8, gpu: 0 },
  { instanceType: 'S5.2XLARGE16', family: 'S5', cpu: 8, memoryGb: 16, gpu: 0 },
  { instanceType: 'SA2.LARGE8', family: 'SA2', cpu: 4, memoryGb: 8, gpu: 0 },
];

/**
 * The demo price table: 元 per hour of one pay-as-you-go instance in Guangzhou (list price, then
 * after discount); other regions apply their factor (demoRegion's `priceFactor`).
 */
export const DEMO_INSTANCE_PRICES: Readonly<Record<string, { unitPrice: number; unitPriceDiscount: number }>> = {
  'S5.MEDIUM4': { unitPrice: 0.4, unitPriceDiscount: 0.32 },
  'S5.LARGE8': { unitPrice: 0.8, unitPriceDiscount: 0.64 },
  'S5.2XLARGE16': { unitPrice: 1.6, unitPriceDiscount: 1.28 },
  'SA2.LARGE8': { unitPrice: 0.68, unitPriceDiscount: 0.55 },
  'GN7.2XLARGE32': { unitPrice: 10.5, unitPriceDiscount: 8.68 },
};

const round4 = (n: number): number => Math.round(n * 10_000) / 10_000;
const priceIn = (instanceType: string, factor: number) => {
  const base = DEMO_INSTANCE_PRICES[instanceType];
  return base ? { unitPrice: round4(base.unitPrice * factor), unitPriceDiscount: round4(base.unitPriceDiscount * factor) } : undefined;
};

function demoRegion(
  region: string,
  regionId: number,
  alias: string,
  zoneNumbers: number[],
  zoneIdBase: number,
  zoneLabel: string,
  options: { prodVpc: boolean; gpuZones: number[]; priceFactor?: number },
): EmulatorSeedInput['regions'][number] {
  const factor = options.priceFactor ?? 1;
  const zones = zoneNumbers.map((n) => ({
    zone: `${region}-${n}`,
    zoneId: String(zoneIdBase + n),
    name: `${zoneLabel} Zone ${n}`,
  }));
  const idPart = (n: number): string => `${alias}${String(n).padStart(2, '0')}`;
  const vpcs: EmulatorSeedInput['regions'][number]['vpcs'] = [
    {
      vpcId: `vpc-${alias}demo01`,
      name: 'Default-VPC',
      cidr: '172.16.0.0/16',
      isDefault: true,
      subnets: zoneNumbers.map((n, i) => ({
        subnetId: `subnet-${idPart(n)}dft1`,
        name: `Default-Subnet-${n}`,
        zone: `${region}-${n}`,
        cidr: `172.16.${i * 16}.0/20`,
      })),
    },
  ];
  if (options.prodVpc) {
    vpcs.push({
      vpcId: `vpc-${alias}demo02`,
      name: 'prod-vpc',
      cidr: '10.0.0.0/16',
      subnets: zoneNumbers.slice(0, 2).map((n, i) => ({
        subnetId: `subnet-${idPart(n)}prd1`,
        name: `prod-${n}`,
        zone: `${region}-${n}`,
        cidr: `10.0.${i + 1}.0/24`,
      })),
    });
  }
  const instanceTypes: EmulatorSeedInput['regions'][number]['instanceTypes'] = STANDARD_TYPES.map((t) => ({ ...t, price: priceIn(t.instanceType, factor) }));
  if (options.gpuZones.length > 0) {
    instanceTypes.push({
      instanceType: 'GN7.2XLARGE32',
      family: 'GN7',
      cpu: 8,
      memoryGb: 32,
      gpu: 1,
      zones: options.gpuZones.map((n) => `${region}-${n}`),
      price: priceIn('GN7.2XLARGE32', factor),
    });
  }
  return { region, regionId, alias, zones, keyPairs: DEMO_KEY_PAIRS, vpcs, instanceTypes };
}

/**
 * The demo seed: four regions with their zones, the same two key pairs everywhere, a default VPC
 * (172.16.0.0/16, one /20 subnet per zone) in each region and a second `prod-vpc` (10.0.0.0/16)
 * in Guangzhou and Shanghai. GPU type GN7.2XLARGE32 is sold only in some zones. Every instance type
 * has a pay-as-you-go price (DEMO_INSTANCE_PRICES; Singapore ×1.25, Tokyo ×1.5), system disks and
 * the managed control plane levels the default tables' prices.
 */
export function demoSeed(): EmulatorSeed {
  return seedSchema.parse({
    regions: [
      demoRegion('ap-guangzhou', 1, 'gz', [3, 4, 6], 100000, 'Guangzhou', { prodVpc: true, gpuZones: [3, 6] }),
      demoRegion('ap-shanghai', 4, 'sh', [2, 4, 5], 200000, 'Shanghai', { prodVpc: true, gpuZones: [5] }),
      demoRegion('ap-singapore', 9, 'sg', [1, 2, 3], 900000, 'Singapore', { prodVpc: false, gpuZones: [], priceFactor: 1.25 }),
      demoRegion('ap-tokyo', 25, 'jp', [1, 2], 250000, 'Tokyo', { prodVpc: false, gpuZones: [], priceFactor: 1.5 }),
    ],
  });
}

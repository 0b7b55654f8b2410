/**
 * What a cluster spec costs to run, priced by Tencent: per worker pool, one node's pay-as-you-go
 * price (CVM InquiryPriceRunInstances: the pool's instance type in its first zone, with the system
 * disk Deploy gives its nodes) × desired nodes, and × max nodes as "up to"; plus the managed
 * control plane (TKE GetClusterLevelPrice) at the level the spec needs. Per hour and per 30 days
 * (720 h), in the currency Tencent quotes. A price Tencent would not give is `{ unavailable: code }`
 * and the totals say what they leave out; an estimate never throws.
 *
 * The cluster level: CreateCluster (tke v20180525) takes no ClusterLevel, so TKE chooses it. The
 * estimate prices the smallest level GetClusterLevelPrice knows (L20 … L5000: the number is the
 * nodes a level holds, as DescribeClusterLevelAttribute's NodeCount says) that holds every pool at
 * its max size.
 */
import type { AccountService } from './accounts.js';
import type { Clock } from './clock.js';
import type { Cluster, ClusterSpec, CostEstimate, PoolCost, PriceItem } from './domain/index.js';
import type { Logger } from './logger.js';
import { failureOf } from './tencent-failure.js';
import type { HourlyPrice, TkeGateway, TkeTarget } from './tke.js';
import { PRICE_CURRENCY } from './tke-gateway.js';

/** The managed cluster levels GetClusterLevelPrice takes (tke_models GetClusterLevelPriceRequest). */
export const CLUSTER_LEVELS = ['L20', 'L50', 'L100', 'L200', 'L500', 'L1000', 'L3000', 'L5000'] as const;
export const HOURS_PER_30_DAYS = 720;

/** What the estimate reads of a spec. */
export type PricedSpec = Pick<ClusterSpec, 'accountId' | 'region' | 'workerPools'>;

export interface CostService {
  /** Prices the spec's pools (nodes running `os`) and its control plane. */
  estimate(spec: PricedSpec, os: string): Promise<CostEstimate>;
  /**
   * The price of a cluster's pools as its overview shows it: a Running cluster's current pools are
   * priced now; any other keeps the estimate made at Deploy (nothing runs yet, or no longer).
   */
  ofCluster(cluster: Cluster): Promise<{ estimate: CostEstimate; asOf: 'now' | 'deploy' } | undefined>;
}

/** The smallest level that holds `nodes` nodes (the largest level beyond that). */
export function clusterLevelFor(nodes: number): string {
  return CLUSTER_LEVELS.find((level) => Number(level.slice(1)) >= nodes) ?? 'L5000';
}

/** The fields of a spec its price depends on, as one string: an estimate of another basis is stale. */
export function costBasis(spec: PricedSpec, os: string): string {
  const pools = spec.workerPools.map((p) => [p.name, p.instanceType, p.zones[0] ?? '', p.diskGb, p.desiredSize, p.maxSize]);
  return JSON.stringify([spec.accountId, spec.region, os, pools]);
}

/** Money to the ten-thousandth, so sums of floats stay as Tencent's figures add up. */
const money = (n: number): number => Math.round(n * 10_000) / 10_000;
const times = (item: PriceItem, n: number): PriceItem => ('perHour' in item ? { perHour: money(item.perHour * n) } : item);

/** The totals of what is priced, and what is not. */
export function totalsOf(pools: PoolCost[], controlPlane: CostEstimate['controlPlane']): CostEstimate['total'] {
  const missing: { item: string; code: string }[] = [];
  let perHour = 0;
  let upToPerHour = 0;
  for (const pool of pools) {
    if ('perHour' in pool.desired && 'perHour' in pool.max) {
      perHour += pool.desired.perHour;
      upToPerHour += pool.max.perHour;
    } else if ('unavailable' in pool.unit) missing.push({ item: `worker pool ${pool.pool}`, code: pool.unit.unavailable });
  }
  if ('perHour' in controlPlane.price) {
    perHour += controlPlane.price.perHour;
    upToPerHour += controlPlane.price.perHour;
  } else missing.push({ item: 'control plane', code: controlPlane.price.unavailable });
  return {
    perHour: money(perHour),
    upToPerHour: money(upToPerHour),
    per30Days: money(perHour * HOURS_PER_30_DAYS),
    upToPer30Days: money(upToPerHour * HOURS_PER_30_DAYS),
    missing,
  };
}

interface Priced {
  item: PriceItem;
  currency?: string;
}

export interface CostDeps {
  tke: Pick<TkeGateway, 'describeOsImages' | 'instancePrice' | 'clusterLevelPrice'>;
  accounts: Pick<AccountService, 'credentialFor'>;
  clock: Clock;
  logger: Logger;
}

export function createCostService(deps: CostDeps): CostService {
  const { tke } = deps;

  /** A Tencent call's price, or its error code. */
  async function priced(what: string, ask: () => Promise<HourlyPrice>): Promise<Priced> {
    try {
      const price = await ask();
      return { item: { perHour: money(price.perHour) }, currency: price.currency };
    } catch (error) {
      const failure = failureOf(error);
      deps.logger.warn({ code: failure.code, what }, 'price inquiry failed');
      return { item: { unavailable: failure.code } };
    }
  }

  /** The image id of the node OS: a custom image is its own id; a public one is looked up in DescribeOSImages. */
  async function imageIdOf(target: TkeTarget, os: string): Promise<string> {
    if (/^img-[a-z0-9]{8}$/.test(os)) return os;
    const images = await tke.describeOsImages(target);
    const image = images.find((i) => i.osName === os || i.alias === os);
    if (!image?.imageId) throw Object.assign(new Error(`TKE offers no image for ${os}`), { code: 'tkeops.ImageNotFound' });
    return image.imageId;
  }

  /** Each pool's one-node price (pools of the same type, zone and disk are asked once) and the control plane's. */
  async function inquire(target: TkeTarget, spec: PricedSpec, os: string, level: string) {
    const image = imageIdOf(target, os).then(
      (id) => ({ id }),
      (error: unknown) => ({ code: (error as { code?: string }).code ?? failureOf(error).code }),
    );
    const inquiries = new Map<string, Promise<Priced>>();
    const unitPrice = (pool: PricedSpec['workerPools'][number]): Promise<Priced> => {
      const zone = pool.zones[0] ?? '';
      const key = JSON.stringify([pool.instanceType, zone, pool.diskGb]);
      const inquiry =
        inquiries.get(key) ??
        image.then((found) =>
          'id' in found
            ? priced(`${pool.instanceType} in ${zone}`, () => tke.instancePrice(target, { zone, instanceType: pool.instanceType, imageId: found.id, systemDiskGb: pool.diskGb }))
            : { item: { unavailable: found.code } },
        );
      inquiries.set(key, inquiry);
      return inquiry;
    };
    const [units, controlPlane] = await Promise.all([
      Promise.all(spec.workerPools.map(unitPrice)),
      priced(`control plane ${level}`, () => tke.clusterLevelPrice(target, level)),
    ]);
    return { units, controlPlane };
  }

  const service: CostService = {
    async estimate(spec, os) {
      const estimatedAt = deps.clock.now().toISOString();
      const level = clusterLevelFor(spec.workerPools.reduce((sum, p) => sum + p.maxSize, 0));
      let asked: { units: Priced[]; controlPlane: Priced };
      try {
        const target: TkeTarget = { credential: deps.accounts.credentialFor(spec.accountId), region: spec.region };
        asked = await inquire(target, spec, os, level);
      } catch (error) {
        // No credential for the account (removed meanwhile): nothing could be asked.
        deps.logger.warn({ err: error, account: spec.accountId }, 'could not price the cluster');
        const none: Priced = { item: { unavailable: failureOf(error).code } };
        asked = { units: spec.workerPools.map(() => none), controlPlane: none };
      }
      const pools: PoolCost[] = spec.workerPools.map((pool, i) => {
        const unit = asked.units[i]?.item ?? { unavailable: 'tkeops.UnexpectedError' };
        return {
          pool: pool.name,
          instanceType: pool.instanceType,
          zone: pool.zones[0] ?? '',
          desiredSize: pool.desiredSize,
          maxSize: pool.maxSize,
          unit,
          desired: times(unit, pool.desiredSize),
          max: times(unit, pool.maxSize),
        };
      });
      const currency = [...asked.units, asked.controlPlane].find((p) => p.currency !== undefined)?.currency ?? PRICE_CURRENCY;
      const controlPlane = { level, price: asked.controlPlane.item };
      return { currency, estimatedAt, basis: costBasis(spec, os), pools, controlPlane, total: totalsOf(pools, controlPlane) };
    },

    async ofCluster(cluster) {
      if (cluster.status === 'Running' && cluster.plan) return { estimate: await service.estimate(cluster.spec, cluster.plan.os), asOf: 'now' };
      return cluster.estimate ? { estimate: cluster.estimate, asOf: 'deploy' } : undefined;
    },
  };
  return service;
}

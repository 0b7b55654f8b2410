/** What a cluster's worker pools and managed control plane cost, as Tencent priced them (see src/services/cost.ts). */

/** A price per hour, or the Tencent error code (or tkeops' own) that kept it from being known. */
export type PriceItem = { perHour: number } | { unavailable: string };

export interface PoolCost {
  pool: string;
  instanceType: string;
  /** The zone priced: the pool's first. */
  zone: string;
  desiredSize: number;
  maxSize: number;
  /** One node (instance and system disk). */
  unit: PriceItem;
  /** unit × desired nodes. */
  desired: PriceItem;
  /** unit × max nodes: what the pool costs at most. */
  max: PriceItem;
}

export interface CostEstimate {
  /** As Tencent quotes it (元: CNY). */
  currency: string;
  estimatedAt: string;
  /** The spec's priced fields; an estimate whose basis is not the spec's is stale. */
  basis: string;
  pools: PoolCost[];
  /** The managed control plane, at the cluster level the spec needs. */
  controlPlane: { level: string; price: PriceItem };
  /** Sums of what is known; `missing` names what they leave out. */
  total: {
    perHour: number;
    upToPerHour: number;
    per30Days: number;
    upToPer30Days: number;
    missing: { item: string; code: string }[];
  };
}

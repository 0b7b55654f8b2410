/**
 * The price estimate as Slack shows it: in the wizard's review, the provisioning thread's root
 * message and the cluster overview. Money is shown as Tencent quotes it, with its currency.
 */
import type { CostEstimate, PriceItem } from '../services/domain/index.js';
import { escapeMrkdwn } from './cluster-format.js';

/** Shown while Tencent is asked (the loading emoji of every "loading …" in tkeops). */
export const ESTIMATING_TEXT = ':hourglass_flowing_sand: *Estimated price*: estimating…';

/** `1,108.80`: two decimals, four where a price has them (a disk's GB-hour). */
export const formatMoney = (amount: number): string =>
  amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });

const money = (estimate: CostEstimate, amount: number): string => `${escapeMrkdwn(estimate.currency)} ${formatMoney(amount)}`;

const unavailable = (code: string): string => `price unavailable (${escapeMrkdwn(code)})`;

const perHour = (estimate: CostEstimate, item: PriceItem): string => ('perHour' in item ? `${money(estimate, item.perHour)}/h` : unavailable(item.unavailable));

/** One line per worker pool and the control plane: unit × desired, and × max as "up to". */
export function costItemLines(estimate: CostEstimate): string[] {
  const pools = estimate.pools.map((pool) => {
    const name = `*${escapeMrkdwn(pool.pool)}*`;
    if (!('perHour' in pool.unit)) return `• ${name}: ${unavailable(pool.unit.unavailable)}`;
    const upTo = pool.maxSize > pool.desiredSize ? ` · up to ${pool.maxSize} nodes: ${perHour(estimate, pool.max)}` : '';
    return `• ${name}: ${pool.desiredSize} × ${perHour(estimate, pool.unit)} = ${perHour(estimate, pool.desired)}${upTo}`;
  });
  const control = `• Control plane (${escapeMrkdwn(estimate.controlPlane.level)}): ${perHour(estimate, estimate.controlPlane.price)}`;
  return [...pools, control];
}

/** "CNY 10.27/h · CNY 7,394.40 per 30 days, up to …", and what it leaves out. */
export function costTotalLine(estimate: CostEstimate): string {
  const { total } = estimate;
  const known = estimate.pools.length + 1 > total.missing.length;
  const upTo = total.upToPerHour > total.perHour ? ` — up to ${money(estimate, total.upToPerHour)}/h · ${money(estimate, total.upToPer30Days)} per 30 days` : '';
  const sum = known ? `${money(estimate, total.perHour)}/h · ${money(estimate, total.per30Days)} per 30 days${upTo}` : 'price unavailable';
  const missing = total.missing.length > 0 ? ` _(without ${total.missing.map((m) => `${escapeMrkdwn(m.item)}: ${escapeMrkdwn(m.code)}`).join(', ')})_` : '';
  return `*Total*: ${sum}${missing}`;
}

/** The estimate as one mrkdwn text: heading, one line per item, the total. */
export function costText(estimate: CostEstimate, heading = '*Estimated price* (pay-as-you-go)'): string {
  return [heading, ...costItemLines(estimate), costTotalLine(estimate)].join('\n');
}

/** One line for a message that has no room for the items (the root message). */
export function costSummaryLine(estimate: CostEstimate): string {
  return `:moneybag: Estimated price at creation: ${costTotalLine(estimate).replace(/^\*Total\*: /, '')}`;
}

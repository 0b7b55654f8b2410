import { z } from 'zod';
import type { Clock } from '../../services/clock.js';
import type { TkeEmulatorControls } from './emulator.js';

/**
 * The emulator's controls over HTTP, for a process that does not hold the emulator object:
 * POST /_emulator/<command> with a JSON body; answers 200 {ok: true, ...} or 400 {ok: false, error}.
 *
 *   account        {secretId, secretKey}
 *   seed           {seed, secretId?}
 *   timings        {clusterCreateMs?, endpointCreateMs?, nodeJoinMs?, addonInstallMs?, clusterDeleteMs?,
 *                   controlPlaneUpgradeMs?, nodeUpgradeMs?}
 *   failNext       {action, code, message, times?}
 *   throttle       {action, times?}
 *   latency        {action, ms}
 *   stickDeleting  {clusterId}            (a cluster id or "next")
 *   markAbnormal   {clusterId}
 *   failNextEndpoint {message}
 *   failNextAddon  {reason, stage?}        (the next CreateClusterRelease ends failed: stage "pending" (default) in
 *                                          DescribeClusterPendingReleases with this Condition, "helm" in
 *                                          DescribeClusterReleases with this Description)
 *   requests       {action?}              → {requests}
 *   clearRequests  {}
 *   cluster        {clusterId}            → {cluster | null}
 *   clusters       {}                     → {clusters}
 *   resources      {clusterId}            → {instances, disks, loadBalancers}
 *   removeResources {clusterId}
 *   advance        {ms}                   (only when the emulator clock can advance, e.g. ManualClock)
 *   reset          {}
 */
const nonNegative = z.number().int().min(0);
const commands = {
  account: z.object({ secretId: z.string().min(1), secretKey: z.string().min(1) }),
  seed: z.object({ seed: z.unknown(), secretId: z.string().optional() }),
  timings: z
    .object({
      clusterCreateMs: nonNegative,
      endpointCreateMs: nonNegative,
      nodeJoinMs: nonNegative,
      addonInstallMs: nonNegative,
      clusterDeleteMs: nonNegative,
      controlPlaneUpgradeMs: nonNegative,
      nodeUpgradeMs: nonNegative,
    })
    .partial(),
  failNext: z.object({ action: z.string().min(1), code: z.string().min(1), message: z.string(), times: z.int().min(1).optional() }),
  throttle: z.object({ action: z.string().min(1), times: z.int().min(1).optional() }),
  latency: z.object({ action: z.string().min(1), ms: nonNegative }),
  stickDeleting: z.object({ clusterId: z.string().min(1) }),
  markAbnormal: z.object({ clusterId: z.string().min(1) }),
  failNextEndpoint: z.object({ message: z.string().min(1) }),
  failNextAddon: z.object({ reason: z.string().min(1), stage: z.enum(['pending', 'helm']).optional() }),
  requests: z.object({ action: z.string().optional() }),
  clearRequests: z.object({}),
  cluster: z.object({ clusterId: z.string() }),
  clusters: z.object({}),
  resources: z.object({ clusterId: z.string() }),
  removeResources: z.object({ clusterId: z.string() }),
  advance: z.object({ ms: nonNegative }),
  reset: z.object({}),
};
type Command = keyof typeof commands;

export class ControlError extends Error {}

interface AdvancingClock extends Clock {
  advance(ms: number): unknown;
}
const canAdvance = (clock: Clock): clock is AdvancingClock =>
  typeof (clock as Partial<AdvancingClock>).advance === 'function';

function parse<C extends Command>(command: C, body: unknown): z.output<(typeof commands)[C]> {
  const result = commands[command].safeParse(body ?? {});
  if (!result.success) throw new ControlError(`${command}: ${z.prettifyError(result.error)}`);
  return result.data as z.output<(typeof commands)[C]>;
}

export function runControl(emulator: TkeEmulatorControls, command: string, body: unknown): object {
  switch (command as Command) {
    case 'account':
      emulator.registerAccount(parse('account', body));
      return {};
    case 'seed': {
      const { seed, secretId } = parse('seed', body);
      try {
        emulator.seed(seed as Parameters<TkeEmulatorControls['seed']>[0], { secretId });
      } catch (error) {
        throw new ControlError(`seed: ${error instanceof z.ZodError ? z.prettifyError(error) : String(error)}`);
      }
      return {};
    }
    case 'timings':
      return { timings: emulator.setTimings(parse('timings', body)) };
    case 'failNext': {
      const { action, ...failure } = parse('failNext', body);
      emulator.failNext(action, failure);
      return {};
    }
    case 'throttle': {
      const { action, times } = parse('throttle', body);
      emulator.throttle(action, times);
      return {};
    }
    case 'latency': {
      const { action, ms } = parse('latency', body);
      emulator.latency(action, ms);
      return {};
    }
    case 'stickDeleting':
      emulator.stickDeleting(parse('stickDeleting', body).clusterId);
      return {};
    case 'markAbnormal':
      emulator.markAbnormal(parse('markAbnormal', body).clusterId);
      return {};
    case 'failNextEndpoint':
      emulator.failNextEndpoint(parse('failNextEndpoint', body).message);
      return {};
    case 'failNextAddon': {
      const { reason, stage } = parse('failNextAddon', body);
      emulator.failNextAddon(reason, stage ? { stage } : {});
      return {};
    }
    case 'requests': {
      const { action } = parse('requests', body);
      return { requests: action ? emulator.requestsFor(action) : emulator.requests };
    }
    case 'clearRequests':
      emulator.clearRequests();
      return {};
    case 'cluster':
      return { cluster: emulator.cluster(parse('cluster', body).clusterId) ?? null };
    case 'clusters':
      return { clusters: emulator.clusters() };
    case 'resources':
      return emulator.resources(parse('resources', body).clusterId);
    case 'removeResources':
      emulator.removeResources(parse('removeResources', body).clusterId);
      return {};
    case 'advance': {
      const { ms } = parse('advance', body);
      if (!canAdvance(emulator.clock)) throw new ControlError('advance: the emulator clock cannot be moved');
      emulator.clock.advance(ms);
      return { now: emulator.clock.now().toISOString() };
    }
    case 'reset':
      emulator.reset();
      return {};
    default:
      throw new ControlError(`unknown command \`${command}\`; one of ${Object.keys(commands).join(', ')}`);
  }
}

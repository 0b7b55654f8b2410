import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Metrics } from '../services/metrics.js';
import { payloadKind } from './payload-kinds.js';

function kindOf(body: unknown): string {
  const payload = (typeof body === 'object' && body !== null ? body : {}) as { type?: unknown; command?: unknown };
  if (typeof payload.command === 'string') return 'slash_command';
  return payloadKind(payload.type);
}

export interface ReceiverEvents {
  /** Resolves once every request handed to the app so far has been fully processed, or after `timeoutMs`. */
  idle(timeoutMs: number): Promise<void>;
  /** Requests being processed (their listeners may still work after the ack). */
  readonly inFlight: number;
}

/**
 * Puts itself between the receiver and the app: each request's ack is timed from the moment the
 * receiver hands it over (by kind), and requests under way are tracked so that a shutdown can let
 * the work listeners do after their ack (a Deploy, a deletion) finish.
 */
export function watchReceiverEvents(app: App, receiver: Receiver, metrics: Pick<Metrics, 'ack'>): ReceiverEvents {
  const running = new Set<Promise<void>>();
  const processEvent = async (event: ReceiverEvent): Promise<void> => {
    const started = performance.now();
    const kind = kindOf(event.body);
    let acked = false;
    const ack: ReceiverEvent['ack'] = async (response) => {
      await event.ack(response);
      if (!acked) {
        acked = true;
        metrics.ack(kind, (performance.now() - started) / 1000);
      }
    };
    await app.processEvent({ ...event, ack });
  };
  const facade = new Proxy(app, {
    get(target, property, receiverProxy) {
      if (property === 'processEvent') {
        return (event: ReceiverEvent) => {
          const work = processEvent(event);
          running.add(work);
          const forget = () => running.delete(work);
          work.then(forget, forget);
          return work;
        };
      }
      const value: unknown = Reflect.get(target, property, receiverProxy);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  receiver.init(facade);
  return {
    async idle(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      const settled = (async () => {
        while (running.size > 0) await Promise.allSettled([...running]);
      })();
      await Promise.race([settled, timeout]);
      clearTimeout(timer);
    },
    get inFlight() {
      return running.size;
    },
  };
}

import type { AnyMiddlewareArgs, App, Middleware } from '@slack/bolt';
import type { Logger } from '../services/logger.js';

/**
 * Requests no listener takes — a button of an old message, a modal of an older version, a view
 * closed meanwhile — would wait for Bolt's 3 s timeout and its 404, which Slack shows as an error.
 * The listeners' ids are recorded as handlers register them (no id list is written twice), and a
 * global middleware acks anything none of them matches at once, logging it at debug.
 */

type Kind = 'action' | 'view' | 'shortcut' | 'options';
type Constraint = string | RegExp | Record<string, unknown>;

const TRACKED: readonly Kind[] = ['action', 'view', 'shortcut', 'options'];

/** The part of a payload the matching reads. */
interface Payload {
  type?: unknown;
  callback_id?: unknown;
  action_id?: unknown;
  block_id?: unknown;
  actions?: { action_id?: unknown; block_id?: unknown }[];
  view?: { callback_id?: unknown };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function idMatches(constraint: unknown, value: string | undefined): boolean {
  if (constraint === undefined) return true;
  if (value === undefined) return false;
  if (typeof constraint === 'string') return constraint === value;
  if (constraint instanceof RegExp) {
    constraint.lastIndex = 0;
    return constraint.test(value);
  }
  return false;
}

/** What identifies a payload for each kind of listener (Bolt's own matching rules). */
function matches(kind: Kind, constraint: Constraint, body: Payload): boolean {
  const type = text(body.type);
  switch (kind) {
    case 'action': {
      const action = body.actions?.[0];
      const actionId = text(action?.action_id ?? body.action_id);
      if (typeof constraint === 'string' || constraint instanceof RegExp) return idMatches(constraint, actionId);
      return (
        idMatches(constraint.action_id, actionId) &&
        idMatches(constraint.block_id, text(action?.block_id ?? body.block_id)) &&
        idMatches(constraint.callback_id, text(body.view?.callback_id ?? body.callback_id)) &&
        (constraint.type === undefined || constraint.type === type)
      );
    }
    case 'view': {
      const callbackId = text(body.view?.callback_id);
      // app.view('id') listens to submissions only; closings need { type: 'view_closed' }.
      if (typeof constraint === 'string' || constraint instanceof RegExp) return type === 'view_submission' && idMatches(constraint, callbackId);
      return idMatches(constraint.callback_id, callbackId) && (constraint.type ?? 'view_submission') === type;
    }
    case 'shortcut': {
      const callbackId = text(body.callback_id);
      if (typeof constraint === 'string' || constraint instanceof RegExp) return idMatches(constraint, callbackId);
      return idMatches(constraint.callback_id, callbackId) && (constraint.type === undefined || constraint.type === type);
    }
    case 'options': {
      const actionId = text(body.action_id);
      if (typeof constraint === 'string' || constraint instanceof RegExp) return idMatches(constraint, actionId);
      return (
        idMatches(constraint.action_id, actionId) &&
        idMatches(constraint.block_id, text(body.block_id)) &&
        idMatches(constraint.callback_id, text(body.view?.callback_id ?? body.callback_id))
      );
    }
  }
}

/** Which kind of listener a payload type is for; undefined for commands and events (always passed on). */
function kindOfPayload(type: string | undefined): Kind | undefined {
  switch (type) {
    case 'block_actions':
      return 'action';
    case 'view_submission':
    case 'view_closed':
      return 'view';
    case 'shortcut':
    case 'message_action':
      return 'shortcut';
    case 'block_suggestion':
      return 'options';
    default:
      return undefined;
  }
}

function idOf(kind: Kind, body: Payload): string {
  switch (kind) {
    case 'action':
      return text(body.actions?.[0]?.action_id ?? body.callback_id) ?? '';
    case 'view':
      return text(body.view?.callback_id) ?? '';
    case 'shortcut':
      return text(body.callback_id) ?? '';
    case 'options':
      return text(body.action_id) ?? '';
  }
}

export interface ListenerRegistry {
  /** The app to register handlers on: action/view/shortcut/options calls are recorded, then passed to the real app. */
  app: App;
  /** Whether some registered listener takes this payload (commands and events always count as taken). */
  takes(body: unknown): boolean;
  /** The global middleware acking payloads no listener takes. */
  middleware(logger: Logger): Middleware<AnyMiddlewareArgs>;
}

export function createListenerRegistry(app: App): ListenerRegistry {
  const recorded: Record<Kind, Constraint[]> = { action: [], view: [], shortcut: [], options: [] };
  const recording = new Proxy(app, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const kind = TRACKED.find((k) => k === property);
      if (!kind) return value.bind(target);
      return (constraint: Constraint, ...listeners: unknown[]) => {
        recorded[kind].push(constraint);
        return (value as (...args: unknown[]) => unknown).call(target, constraint, ...listeners);
      };
    },
  });

  const takes = (body: unknown): boolean => {
    if (typeof body !== 'object' || body === null) return true;
    const payload = body as Payload;
    const kind = kindOfPayload(text(payload.type));
    if (!kind) return true;
    return recorded[kind].some((constraint) => matches(kind, constraint, payload));
  };

  return {
    app: recording,
    takes,
    middleware: (logger) => async (args) => {
      const ack = 'ack' in args && typeof args.ack === 'function' ? (args.ack as () => Promise<void>) : undefined;
      if (!ack || takes(args.body)) {
        await args.next();
        return;
      }
      await ack();
      const payload = args.body as Payload;
      const kind = kindOfPayload(text(payload.type)) as Kind;
      logger.debug({ type: payload.type, id: idOf(kind, payload) }, 'no listener for this Slack request; acknowledged');
    },
  };
}

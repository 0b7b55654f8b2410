import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Interactions } from './interactions.js';
import type { SlackState, SlackStateEvent } from './state.js';
import type { WebApi } from './web-api.js';

/** A sandbox-only button on the page (e.g. "make the next deletion get stuck"). */
export interface SandboxControl {
  id: string;
  label: string;
  hint?: string;
  /** Does it; the answer is shown to the tester. */
  run(): Promise<string> | string;
}

/*
 * The page's own API (not Slack's): GET /sandbox/state, GET /sandbox/events (Server-Sent Events),
 * POST /sandbox/{send,home,action,submit,close,suggest} for what the person does, POST
 * /sandbox/controls/<id>, GET /sandbox/calls (the Web API call log).
 */

const rawInput = z.object({
  type: z.string(),
  value: z.string().nullable().optional(),
  selected: z.array(z.object({ value: z.string(), text: z.string().optional() })).optional(),
});
const rawValues = z.record(z.string(), z.record(z.string(), rawInput));
const schemas = {
  send: z.object({ user: z.string(), channel: z.string(), text: z.string(), threadTs: z.string().optional() }),
  action: z.object({
    user: z.string(),
    container: z.discriminatedUnion('type', [
      z.object({ type: z.literal('view'), viewId: z.string() }),
      z.object({ type: z.literal('message'), channel: z.string(), ts: z.string() }),
      z.object({ type: z.literal('home') }),
    ]),
    blockId: z.string(),
    actionId: z.string(),
    input: rawInput.optional(),
    values: rawValues.optional(),
  }),
  home: z.object({ user: z.string() }),
  submit: z.object({ user: z.string(), viewId: z.string(), values: rawValues.optional() }),
  close: z.object({ user: z.string(), viewId: z.string(), values: rawValues.optional() }),
  suggest: z.object({
    user: z.string(),
    viewId: z.string(),
    blockId: z.string(),
    actionId: z.string(),
    value: z.string(),
    values: rawValues.optional(),
  }),
};

const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

export interface PageApi {
  /** Handles `/sandbox/...`; false when the path is not the page API's. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, body: string): Promise<boolean>;
  /** Ends every open event stream (before the server closes). */
  closeStreams(): void;
}

export function createPageApi(deps: { state: SlackState; api: WebApi; interactions: Interactions; controls: SandboxControl[] }): PageApi {
  const { state, interactions, controls } = deps;
  const streams = new Set<ServerResponse>();

  function snapshot() {
    const { team, bot, users, channels, userGroups } = state.workspace;
    return {
      team,
      bot: { userId: bot.userId, name: bot.name },
      users,
      channels,
      userGroups: userGroups.map((g) => ({ ...g, users: state.userGroups.get(g.id) ?? [] })),
      commands: interactions.commands,
      messages: state.allMessages(),
      modals: state.allStacks(),
      homes: state.allHomes(),
      controls: controls.map(({ id, label, hint }) => ({ id, label, hint })),
    };
  }

  function openStream(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    const forward = (event: SlackStateEvent) => res.write(`data: ${JSON.stringify(event)}\n\n`);
    const unsubscribe = state.onChange(forward);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    streams.add(res);
    res.on('close', () => {
      unsubscribe();
      clearInterval(keepAlive);
      streams.delete(res);
    });
  }

  /** A POST route: the body checked against its schema, then the interaction. */
  const route =
    <K extends keyof typeof schemas>(kind: K, run: (input: z.output<(typeof schemas)[K]>) => Promise<unknown>) =>
    async (body: string): Promise<[number, unknown]> => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body || '{}');
      } catch {
        return [400, { ok: false, error: 'invalid_json' }];
      }
      const result = schemas[kind].safeParse(parsed);
      return result.success ? [200, await run(result.data as z.output<(typeof schemas)[K]>)] : [400, { ok: false, error: 'invalid_arguments' }];
    };
  const posts: Record<string, (body: string) => Promise<[number, unknown]>> = {
    send: route('send', interactions.send),
    action: route('action', interactions.action),
    home: route('home', interactions.openHome),
    submit: route('submit', interactions.submit),
    close: route('close', interactions.close),
    suggest: route('suggest', interactions.suggest),
  };

  async function handle(req: IncomingMessage, res: ServerResponse, path: string, body: string): Promise<boolean> {
    if (!path.startsWith('/sandbox/')) return false;
    const name = path.slice('/sandbox/'.length);
    if (req.method === 'GET') {
      if (name === 'state') sendJson(res, 200, snapshot());
      else if (name === 'events') openStream(res);
      // The page shows the log; the bot token stays out of it.
      else if (name === 'calls') sendJson(res, 200, { calls: deps.api.calls.map((c) => ({ ...c, token: c.token && '[redacted]' })) });
      else sendJson(res, 404, { ok: false, error: 'not_found' });
      return true;
    }
    if (name.startsWith('controls/')) {
      const control = controls.find((c) => c.id === name.slice('controls/'.length));
      if (!control) sendJson(res, 404, { ok: false, error: 'unknown_control' });
      else sendJson(res, 200, { ok: true, message: await control.run() });
      return true;
    }
    const post = posts[name];
    if (!post) {
      sendJson(res, 404, { ok: false, error: 'not_found' });
      return true;
    }
    const [status, answer] = await post(body);
    sendJson(res, status, answer);
    return true;
  }

  return {
    handle,
    closeStreams() {
      for (const stream of streams) stream.end();
      streams.clear();
    },
  };
}

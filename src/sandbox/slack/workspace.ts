import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Who and what exists in the local Slack: the team, the bot, people, channels and user groups. */
export const workspaceSchema = z.strictObject({
  team: z.strictObject({ id: z.string().regex(/^T[A-Z0-9]+$/), name: z.string().min(1), domain: z.string().min(1) }),
  bot: z.strictObject({
    userId: z.string().regex(/^U[A-Z0-9]+$/),
    botId: z.string().regex(/^B[A-Z0-9]+$/),
    appId: z.string().regex(/^A[A-Z0-9]+$/),
    name: z.string().min(1),
  }),
  users: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[UW][A-Z0-9]+$/),
        name: z.string().min(1),
        realName: z.string().min(1),
        /** Shown under the name in the user picker (the sandbox fills it from the policy). */
        title: z.string().default(''),
      }),
    )
    .default([]),
  channels: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[CG][A-Z0-9]+$/),
        name: z.string().regex(/^[a-z0-9_-]+$/),
        topic: z.string().default(''),
        /** A private channel: people see it, but the bot only if it is a member. */
        private: z.boolean().default(false),
        /**
         * Whether the bot was invited. In a public channel it posts either way (chat:write.public);
         * in a private one without it, every Web API call naming the channel answers channel_not_found.
         */
        botIsMember: z.boolean().default(true),
      }),
    )
    .default([]),
  userGroups: z
    .array(
      z.strictObject({
        id: z.string().regex(/^S[A-Z0-9]+$/),
        handle: z.string().min(1),
        name: z.string().min(1),
        users: z.array(z.string()).default([]),
      }),
    )
    .default([]),
});

export type WorkspaceInput = z.input<typeof workspaceSchema>;
export type Workspace = z.output<typeof workspaceSchema>;
export type WorkspaceUser = Workspace['users'][number];
export type WorkspaceChannel = Workspace['channels'][number];

/** The team and bot the test harness has always used; no people or channels (they appear on first use). */
export function emptyWorkspace(): Workspace {
  return workspaceSchema.parse({
    team: { id: 'T0TKEOPS', name: 'tkeops', domain: 'tkeops' },
    bot: { userId: 'U0BOT', botId: 'B0BOT', appId: 'A0TKEOPS', name: 'tkeops' },
  });
}

export async function loadWorkspace(file: string): Promise<Workspace> {
  const parsed = workspaceSchema.safeParse(parseYaml(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { scopeLabel, type AccountField, type AccountFieldErrors, type AccountSummary, type AddAccountResult } from '../services/accounts.js';
import type { Decision } from '../services/policy-types.js';
import type { Services } from '../services/services.js';
import type { AccountScope } from '../services/domain/index.js';
import { policyRefusalText } from '../views/policy-refusals.js';
import { accountListMessage } from '../views/account-list.js';
import { accountModal, accountModalExpired, parseAccountModalMetadata, type AccountModalOrigin } from '../views/account-modal.js';
import { ActionIds, BlockIds, CallbackIds } from '../views/ids.js';
import { usageText } from '../views/help.js';
import { pickedValue, typedText } from './slack-payloads.js';
import { receivedNow, tellUser } from './tell-user.js';
import type { Subcommand, SubcommandRequest } from './tke-command.js';

export interface AccountHandlerOptions {
  /**
   * Called after an account added from the cluster wizard's "+ Cloud account" was saved and the
   * pushed modal acknowledged: the wizard selects the account and updates its view.
   */
  onAccountCreatedInWizard: (args: { client: WebClient; draftId: string; accountId: string }) => Promise<void>;
}

const USAGE = usageText(
  'Usage: `/tke account add [tenant|project]` · `/tke account list` · `/tke account remove <name> [tenant|project]`',
);

const BLOCK_OF: Record<AccountField, string> = {
  name: BlockIds.accountName,
  description: BlockIds.accountDescription,
  secretId: BlockIds.accountSecretId,
  secretKey: BlockIds.accountSecretKey,
  scope: BlockIds.accountScope,
};

const scopeWord = z.enum(['tenant', 'project']).optional();

function ephemeral(request: SubcommandRequest, text: string) {
  return request.ack({ response_type: 'ephemeral', text });
}

function subject(request: SubcommandRequest) {
  return { user: request.command.user_id, channel: request.command.channel_id };
}

/** `/tke account add|list|remove`. */
export function accountSubcommand(services: Pick<Services, 'accounts' | 'policy' | 'logger' | 'clock'>): Subcommand {
  const { accounts, policy, logger } = services;

  const commandOrigin = (request: SubcommandRequest): AccountModalOrigin => {
    const responseUrl = receivedNow(services, request.command.response_url);
    return { kind: 'command', channel: request.command.channel_id, ...(responseUrl ? { responseUrl } : {}) };
  };

  async function add(request: SubcommandRequest, words: string[]): Promise<void> {
    const wanted = scopeWord.safeParse(words[0]?.toLowerCase());
    if (!wanted.success || words.length > 1) return ephemeral(request, USAGE);
    const who = subject(request);
    const scopes = await accounts.addableScopes(who, policy);
    const asked = wanted.data;
    const project = policy.projectForChannel(who.channel)?.name;
    if (asked === 'tenant' && !scopes.some((s) => s.kind === 'tenant')) {
      return refuse(request, await policy.check('account.addTenant', who));
    }
    if ((asked === 'project' || scopes.length === 0) && !scopes.some((s) => s.kind === 'project')) {
      return refuse(request, await policy.check('account.addProject', { ...who, project }));
    }
    await request.ack();
    try {
      await request.client.views.open({
        trigger_id: request.command.trigger_id,
        view: accountModal({ origin: commandOrigin(request), scopes, ...(asked ? { selectedScope: asked } : {}) }),
      });
    } catch (error) {
      logger.error({ err: error }, 'could not open the cloud account modal');
      await request.respond({ response_type: 'ephemeral', text: 'Slack did not open the form in time; run `/tke account add` again.' });
    }
  }

  async function refuse(request: SubcommandRequest, decision: Decision): Promise<void> {
    await ephemeral(request, decision.allowed ? USAGE : policyRefusalText(decision.refusal));
  }

  async function list(request: SubcommandRequest): Promise<void> {
    const { channel } = subject(request);
    await request.ack({ response_type: 'ephemeral', ...accountListMessage(accounts.usableIn(channel, policy), { channel }) });
  }

  async function remove(request: SubcommandRequest, words: string[]): Promise<void> {
    const [name, scopeText] = words;
    const wanted = scopeWord.safeParse(scopeText?.toLowerCase());
    if (!name || !wanted.success || words.length > 2) return ephemeral(request, USAGE);
    const who = subject(request);
    const project = policy.projectForChannel(who.channel)?.name;
    const candidates: AccountScope[] = [];
    if (project && wanted.data !== 'tenant') candidates.push({ kind: 'project', project });
    if (wanted.data !== 'project') candidates.push({ kind: 'tenant' });
    const scope = candidates.find((s) => accounts.find(name, s));
    if (!scope) {
      return ephemeral(request, `No cloud account called ${name} is usable in <#${who.channel}>. \`/tke account list\` shows them.`);
    }
    const decision = await policy.check('account.remove', { ...who, accountScope: scope });
    if (!decision.allowed) return ephemeral(request, policyRefusalText(decision.refusal));
    // The store write (and its audit entry) happens after the ack; the outcome follows through response_url.
    await request.ack();
    const result = await accounts.remove(name, scope, who.user);
    const text = result.ok
      ? `Removed cloud account *${result.account.name}* (${scopeLabel(scope)}).`
      : result.reason === 'in_use'
        ? `Cloud account *${name}* is still used by ${result.clusters.length === 1 ? 'cluster' : 'clusters'} ` +
          `${result.clusters.join(', ')}. Delete ${result.clusters.length === 1 ? 'it' : 'them'} first, then remove the cloud account.`
        : `No cloud account called ${name} is usable in <#${who.channel}>.`;
    await request.respond({ response_type: 'ephemeral', text });
  }

  return async (request) => {
    const [verb = '', ...words] = request.args;
    switch (verb.toLowerCase()) {
      case 'add':
        return add(request, words);
      case 'list':
        return list(request);
      case 'remove':
        return remove(request, words);
      default:
        return ephemeral(request, USAGE);
    }
  };
}

/** What the "Add cloud account" submission uses. */
export type AccountSubmitServices = Pick<Services, 'accounts' | 'policy' | 'logger' | 'clock' | 'wizard'>;

/** The account modal's fields as typed. */
function typedAccount(values: unknown, scope: AccountScope) {
  const text = (block: string, action: string) => typedText(values, block, action);
  return {
    name: text(BlockIds.accountName, ActionIds.accountName),
    description: text(BlockIds.accountDescription, ActionIds.accountDescription),
    secretId: text(BlockIds.accountSecretId, ActionIds.accountSecretId),
    secretKey: text(BlockIds.accountSecretKey, ActionIds.accountSecretKey),
    scope,
  };
}

/**
 * The scope the user picked, if the policy lets them add an account in it from this channel
 * (the project always comes from the channel, never from the form); else the error for the scope field.
 */
async function pickedScope(
  policy: Services['policy'],
  subject: { user: string; channel: string },
  scopeKind: string | undefined,
): Promise<{ scope: AccountScope } | { error: string }> {
  const project = policy.projectForChannel(subject.channel)?.name;
  let scope: AccountScope;
  if (scopeKind === 'tenant') scope = { kind: 'tenant' };
  else if (scopeKind === 'project' && project) scope = { kind: 'project', project };
  else {
    const decision = await policy.check('account.addProject', { ...subject, project });
    return { error: decision.allowed ? 'Choose a scope.' : policyRefusalText(decision.refusal) };
  }
  const decision = await policy.check(scope.kind === 'tenant' ? 'account.addTenant' : 'account.addProject', { ...subject, project });
  return decision.allowed ? { scope } : { error: policyRefusalText(decision.refusal) };
}

/** After the ack: back to the wizard the modal was pushed from, or a private confirmation where the command was run. */
async function announceAccount(
  services: AccountSubmitServices,
  options: AccountHandlerOptions,
  args: { client: WebClient; user: string; channel: string; origin: AccountModalOrigin; account: AccountSummary },
): Promise<void> {
  const { client, user, channel, origin, account } = args;
  try {
    if (origin.kind === 'wizard') {
      await options.onAccountCreatedInWizard({ client, draftId: origin.draftId, accountId: account.id });
    } else {
      await tellUser(client, services, { user, channel, responseUrl: origin.responseUrl }, {
        text: `Cloud account *${account.name}* (${scopeLabel(account.scope)}, \`${account.secretIdMasked}\`) is saved: Tencent accepted its credentials.`,
      });
    }
  } catch (error) {
    services.logger.error({ err: error, accountId: account.id }, 'cloud account saved, but telling Slack failed');
  }
}

/** The "Add cloud account" submission: validated, checked with Tencent and saved before the ack (≤ 3 s). */
function submitAccount(services: AccountSubmitServices, options: AccountHandlerOptions) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const user = body.user.id;
    const origin = parseAccountModalMetadata(view.private_metadata);
    const channel = origin?.kind === 'command' ? origin.channel : origin ? await services.wizard.channelOf(origin.draftId, user) : undefined;
    if (!origin || !channel) {
      await ack({ response_action: 'update', view: accountModalExpired() });
      return;
    }
    const errors = (fieldErrors: AccountFieldErrors) =>
      ack({
        response_action: 'errors',
        errors: Object.fromEntries(Object.entries(fieldErrors).map(([field, message]) => [BLOCK_OF[field as AccountField], message])),
      });

    const values = view.state.values;
    const picked = await pickedScope(services.policy, { user, channel }, pickedValue(values, BlockIds.accountScope, ActionIds.accountScope));
    if ('error' in picked) {
      await errors({ scope: picked.error });
      return;
    }
    let result: AddAccountResult;
    try {
      result = await services.accounts.add(typedAccount(values, picked.scope), user);
    } catch (error) {
      services.logger.error({ err: error }, 'could not add a cloud account');
      await errors({ secretKey: 'tkeops could not save the cloud account; try again.' });
      return;
    }
    if (!result.ok) {
      await errors(result.errors);
      return;
    }
    // A plain ack closes this modal; from the wizard it pops back to the wizard underneath.
    await ack();
    await announceAccount(services, options, { client, user, channel, origin, account: result.account });
  };
}

export function register(app: App, services: AccountSubmitServices, options: AccountHandlerOptions): void {
  app.view<ViewSubmitAction>(CallbackIds.accountAdd, submitAccount(services, options));
}

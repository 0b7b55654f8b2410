import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import type { Decision, Policy } from './policy-types.js';
import type { SecretBox } from './secrets.js';
import type { AccountScope, CloudAccount } from './domain/index.js';
import { ACCOUNT_DESCRIPTION_MAX, ACCOUNT_NAME_MAX, SECRET_KEY_MAX, scopeLabel } from './domain/rules.js';
import type { AccountRepository } from './repositories/repositories.js';
import { TencentError, type TencentCredential, type TkeGateway } from './tke.js';

export { ACCOUNT_DESCRIPTION_MAX, ACCOUNT_NAME_MAX, SECRET_ID_MAX, SECRET_KEY_MAX, scopeLabel } from './domain/rules.js';

/** Names are one word so `/tke account remove <name>` can name them. */
/**
 * Slack wants the view submission answered within 3 s, and the handler checks the policy and
 * writes the store around Tencent's answer: Tencent gets 1.8 s, so the ack leaves within ~2 s.
 */
export const DEFAULT_VALIDATE_TIMEOUT_MS = 1_800;
export const TENCENT_TIMEOUT_MESSAGE = 'Tencent did not answer in time, try again.';

const trimmed = z.string().trim();

export const accountInputSchema = z.object({
  name: trimmed
    .min(1, 'Give the cloud account a name.')
    .max(ACCOUNT_NAME_MAX, `At most ${ACCOUNT_NAME_MAX} characters.`)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'One word: letters, digits, dots, dashes or underscores.'),
  description: trimmed.max(ACCOUNT_DESCRIPTION_MAX, `At most ${ACCOUNT_DESCRIPTION_MAX} characters.`).optional().default(''),
  secretId: trimmed
    .min(1, 'Paste the Secret ID of a Tencent Cloud API key.')
    .regex(
      /^AKID[A-Za-z0-9]{6,60}$/,
      'A Secret ID starts with AKID, followed by letters and digits (10–64 characters in all).',
    ),
  // The Secret Key's value never appears in an error message.
  secretKey: trimmed
    .min(1, 'Paste the Secret Key that goes with the Secret ID.')
    .max(SECRET_KEY_MAX, `At most ${SECRET_KEY_MAX} characters.`)
    .regex(/^\S+$/, 'A Secret Key has no spaces.'),
  scope: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('tenant') }),
    z.object({ kind: z.literal('project'), project: z.string().min(1) }),
  ]),
});

export type AccountInput = z.input<typeof accountInputSchema>;
export type AccountField = 'name' | 'description' | 'secretId' | 'secretKey' | 'scope';
export type AccountFieldErrors = Partial<Record<AccountField, string>>;

/** What may be shown of an account: no Secret Key, the Secret ID masked. */
export interface AccountSummary {
  id: string;
  name: string;
  description: string;
  scope: AccountScope;
  secretIdMasked: string;
  addedBy: string;
  addedAt: string;
  validatedAt: string;
}

export type AddAccountResult = { ok: true; account: AccountSummary } | { ok: false; errors: AccountFieldErrors };
export type RemoveAccountResult =
  | { ok: true; account: AccountSummary }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'in_use'; clusters: string[] };

export interface AccountService {
  /** Validates, asks Tencent whether the credentials work, then saves (Secret Key encrypted) and audits. */
  add(input: AccountInput, actor: string): Promise<AddAccountResult>;
  /** Accounts in any of `scopes` (every account when omitted), by scope then name. */
  list(scopes?: AccountScope[]): AccountSummary[];
  /** The account called `name` in exactly this scope. */
  find(name: string, scope: AccountScope): AccountSummary | undefined;
  /** Refused while a cluster that is not Deleted/DeletedForced uses the account. */
  remove(name: string, scope: AccountScope, actor: string): Promise<RemoveAccountResult>;
  /** Tenant accounts plus the accounts of the channel's project. */
  usableIn(channel: string, policy: Policy): AccountSummary[];
  /** Whether `user` may use this account from `channel` (an unknown account is refused too). */
  checkUse(accountId: string, subject: { user: string; channel: string }, policy: Policy): Promise<Decision>;
  /** Scopes `user` may add an account to from `channel`: tenant (tenant admins) and the channel's project. */
  addableScopes(subject: { user: string; channel: string }, policy: Policy): Promise<AccountScope[]>;
  get(id: string): AccountSummary | undefined;
  /** The account's name as shown in Slack; its id once the account is gone. */
  nameOf(accountId: string): string;
  /** The decrypted credential, for Tencent calls only (deploy, watcher). */
  credentialFor(accountId: string): TencentCredential;
}

export interface AccountServiceDeps {
  accounts: AccountRepository;
  tke: Pick<TkeGateway, 'describeRegions'>;
  secrets: SecretBox;
  clock: Clock;
  audit: Audit;
  /** Wall-clock limit on Tencent's answer while Slack waits for the submission's ack. */
  validateTimeoutMs?: number;
}

export function maskSecretId(secretId: string): string {
  return `AKID****${secretId.slice(-4)}`;
}


const sameScope = (a: AccountScope, b: AccountScope) =>
  a.kind === b.kind && (a.kind === 'tenant' || (b.kind === 'project' && a.project === b.project));
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function summarize(record: CloudAccount): AccountSummary {
  return {
    id: record.id,
    name: record.name,
    description: record.description,
    scope: record.scope,
    secretIdMasked: maskSecretId(record.secretId),
    addedBy: record.addedBy,
    addedAt: record.addedAt,
    validatedAt: record.validatedAt,
  };
}

const duplicateMessage = (name: string, scope: AccountScope) =>
  `There is already a cloud account called ${name} in ${scope.kind === 'tenant' ? 'the tenant' : `project ${scope.project}`}.`;

/** Tencent's answer about the credentials, on the field it concerns. */
function tencentFieldError(error: TencentError): AccountFieldErrors {
  const text = `Tencent refused these credentials: ${error.code}: ${error.tencentMessage}`.slice(0, 300);
  const aboutSecretId = error.code === 'AuthFailure.SecretIdNotFound' || error.code === 'AuthFailure.InvalidSecretId';
  return aboutSecretId ? { secretId: text } : { secretKey: text };
}

class Timeout extends Error {}

export function createAccountService(deps: AccountServiceDeps): AccountService {
  const timeoutMs = deps.validateTimeoutMs ?? DEFAULT_VALIDATE_TIMEOUT_MS;
  const records = () => deps.accounts.all();
  const findRecord = (name: string, scope: AccountScope) =>
    records().find((a) => sameName(a.name, name) && sameScope(a.scope, scope));

  async function askTencent(credential: TencentCredential): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout()), timeoutMs);
    });
    try {
      await Promise.race([deps.tke.describeRegions(credential), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function add(input: AccountInput, actor: string): Promise<AddAccountResult> {
    const parsed = accountInputSchema.safeParse(input);
    if (!parsed.success) {
      const errors: AccountFieldErrors = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as AccountField;
        errors[field] ??= issue.message;
      }
      return { ok: false, errors };
    }
    const { name, description, secretId, secretKey, scope } = parsed.data;
    if (findRecord(name, scope)) return { ok: false, errors: { name: duplicateMessage(name, scope) } };

    try {
      await askTencent({ secretId, secretKey });
    } catch (error) {
      if (error instanceof Timeout) return { ok: false, errors: { secretKey: TENCENT_TIMEOUT_MESSAGE } };
      if (error instanceof TencentError) return { ok: false, errors: tencentFieldError(error) };
      throw error;
    }

    const now = deps.clock.now().toISOString();
    const record: CloudAccount = {
      id: `acct-${randomUUID()}`,
      name,
      description,
      scope,
      secretId,
      secretKey: deps.secrets.encrypt(secretKey),
      addedBy: actor,
      addedAt: now,
      validatedAt: now,
    };
    // Checked again inside the write: two people may submit the same name at once.
    const saved = await deps.accounts.insertUnique(record);
    if (!saved) return { ok: false, errors: { name: duplicateMessage(name, scope) } };
    await deps.audit.record(actor, 'account.add', record.id, {
      name,
      scope: scopeLabel(scope),
      secretId: maskSecretId(secretId),
    });
    return { ok: true, account: summarize(record) };
  }

  function list(scopes?: AccountScope[]): AccountSummary[] {
    return records()
      .filter((a) => !scopes || scopes.some((s) => sameScope(s, a.scope)))
      .sort((a, b) => scopeLabel(a.scope).localeCompare(scopeLabel(b.scope)) || a.name.localeCompare(b.name))
      .map(summarize);
  }

  async function remove(name: string, scope: AccountScope, actor: string): Promise<RemoveAccountResult> {
    // The check that no live cluster uses it is made in the same write as the removal.
    const removal = await deps.accounts.removeUnused({ name, scope });
    const result: RemoveAccountResult = removal.removed
      ? { ok: true, account: summarize(removal.account) }
      : removal.reason === 'in_use'
        ? { ok: false, reason: 'in_use', clusters: removal.clusters }
        : { ok: false, reason: 'not_found' };
    if (result.ok) {
      await deps.audit.record(actor, 'account.remove', result.account.id, {
        name: result.account.name,
        scope: scopeLabel(result.account.scope),
        secretId: result.account.secretIdMasked,
      });
    }
    return result;
  }

  function usableIn(channel: string, policy: Policy): AccountSummary[] {
    const project = policy.projectForChannel(channel);
    return list(project ? [{ kind: 'tenant' }, { kind: 'project', project: project.name }] : [{ kind: 'tenant' }]);
  }

  async function checkUse(accountId: string, subject: { user: string; channel: string }, policy: Policy): Promise<Decision> {
    const account = get(accountId);
    if (!account) return { allowed: false, refusal: { kind: 'accountGone' } };
    return policy.check('account.use', { ...subject, accountScope: account.scope });
  }

  async function addableScopes(subject: { user: string; channel: string }, policy: Policy): Promise<AccountScope[]> {
    const scopes: AccountScope[] = [];
    if ((await policy.check('account.addTenant', subject)).allowed) scopes.push({ kind: 'tenant' });
    const project = policy.projectForChannel(subject.channel);
    if (project && (await policy.check('account.addProject', { ...subject, project: project.name })).allowed) {
      scopes.push({ kind: 'project', project: project.name });
    }
    return scopes;
  }

  function get(id: string): AccountSummary | undefined {
    const record = records().find((a) => a.id === id);
    return record && summarize(record);
  }

  function nameOf(accountId: string): string {
    return records().find((a) => a.id === accountId)?.name ?? accountId;
  }

  function credentialFor(accountId: string): TencentCredential {
    const record = records().find((a) => a.id === accountId);
    if (!record) throw new Error(`cloud account ${accountId} does not exist`);
    try {
      return { secretId: record.secretId, secretKey: deps.secrets.decrypt(record.secretKey) };
    } catch (error) {
      throw new Error(`cloud account ${record.name}: ${(error as Error).message}`);
    }
  }

  function find(name: string, scope: AccountScope): AccountSummary | undefined {
    const record = findRecord(name, scope);
    return record && summarize(record);
  }

  return { add, list, find, remove, usableIn, checkUse, addableScopes, get, nameOf, credentialFor };
}

/**
 * The wizard's fields in Slack terms: which block holds each field, how a view's state becomes
 * the draft's form, and how field errors become `response_action: errors` keyed by block id.
 *
 * A block whose choices depend on an earlier choice carries that choice as a variant
 * (`wizard_key_pair@ap-guangzhou`): when the region changes, the block id changes, so Slack
 * drops the old selection instead of keeping a key pair of another region. The cloud account block
 * carries its list of accounts the same way, so an account added from the wizard shows selected.
 */
import { z } from 'zod';
import { ENDPOINT_ACCESS_CHOICES, EXPIRY_CHOICES } from '../../services/domain/index.js';
import type { WizardForm, WizardPoolForm } from '../../services/domain/index.js';
import type { FieldError, FieldErrors } from '../../services/cluster-spec.js';
import type { FieldKey, PoolField } from '../../services/domain/rules.js';
import { escapeMrkdwn } from '../cluster-format.js';
import { policyRefusalText } from '../policy-refusals.js';
import { BlockIds } from '../ids.js';
import type { StateValue, StateValues } from '../view-state.js';

export { WIZARD_STEPS, type WizardStep } from '../../services/domain/rules.js';

const SIMPLE_BLOCKS = {
  name: BlockIds.wizardName,
  description: BlockIds.wizardDescription,
  tags: BlockIds.wizardTags,
  accountId: BlockIds.wizardAccount,
  profile: BlockIds.wizardProfile,
  expiry: BlockIds.wizardExpiry,
  region: BlockIds.wizardRegion,
  keyPairId: BlockIds.wizardKeyPair,
  vpcId: BlockIds.wizardVpc,
  subnetId: BlockIds.wizardSubnet,
  endpointAccess: BlockIds.wizardEndpointAccess,
  publicCidrs: BlockIds.wizardPublicCidrs,
  workerPools: BlockIds.wizardPoolsSettings,
} as const satisfies Partial<Record<FieldKey, string>>;

type SimpleField = keyof typeof SIMPLE_BLOCKS;
const POOL_FIELDS: readonly PoolField[] = ['name', 'minSize', 'desiredSize', 'maxSize', 'instanceType', 'zones', 'diskGb'];

/** A short, stable tag for a list of choices (block ids are limited to 255 characters). */
export function variantOf(parts: readonly string[]): string {
  let hash = 5381;
  for (const char of parts.join('|')) hash = ((hash * 33) ^ char.charCodeAt(0)) >>> 0;
  return hash.toString(36);
}

/** The block id of a field, with the variant of the choices it was offered. */
export function blockIdFor(key: FieldKey, variant?: string): string {
  const base = key.startsWith('pack:')
    ? `${BlockIds.wizardPack}:${key.slice('pack:'.length)}`
    : key.startsWith('pool:')
      ? `${BlockIds.wizardPool}:${key.slice('pool:'.length)}`
      : SIMPLE_BLOCKS[key as SimpleField];
  return variant ? `${base}@${variant}` : base;
}

/** The field a block id belongs to (whatever its variant). */
export function fieldOfBlock(blockId: string): FieldKey | undefined {
  const base = blockId.split('@')[0] ?? '';
  if (base.startsWith(`${BlockIds.wizardPack}:`)) return `pack:${base.slice(BlockIds.wizardPack.length + 1)}`;
  if (base.startsWith(`${BlockIds.wizardPool}:`)) {
    const [key, field] = base.slice(BlockIds.wizardPool.length + 1).split(':');
    return key && POOL_FIELDS.includes(field as PoolField) ? `pool:${key}:${field as PoolField}` : undefined;
  }
  const entry = Object.entries(SIMPLE_BLOCKS).find(([, block]) => block === base);
  return entry?.[0] as SimpleField | undefined;
}

const textOf = (state: StateValue) => state.value ?? '';
const choiceOf = (state: StateValue) => state.selected_option?.value || undefined;
const choicesOf = (state: StateValue) => (state.selected_options ?? []).map((o) => o.value);

function setPoolField(pool: WizardPoolForm, field: PoolField, state: StateValue): void {
  if (field === 'zones') pool.zones = choicesOf(state);
  else if (field === 'instanceType') pool.instanceType = choiceOf(state) ?? '';
  else pool[field] = textOf(state).trim();
}

/**
 * The form with the values of the view's inputs applied. A new region forgets the key pair, VPC
 * and subnet; a new VPC forgets the subnet; a new profile forgets edited pack values.
 */
export function applyState(previous: WizardForm, values: StateValues): WizardForm {
  const form: WizardForm = structuredClone(previous);
  for (const [blockId, actions] of Object.entries(values)) {
    const key = fieldOfBlock(blockId);
    const state = Object.values(actions)[0];
    if (!key || !state) continue;
    if (key.startsWith('pack:')) {
      form.packs[key.slice('pack:'.length)] = textOf(state);
      continue;
    }
    if (key.startsWith('pool:')) {
      const [, poolKey, field] = key.split(':');
      const pool = form.pools.find((p) => p.key === poolKey);
      if (pool) setPoolField(pool, field as PoolField, state);
      continue;
    }
    switch (key as SimpleField) {
      case 'name':
      case 'description':
      case 'tags':
      case 'publicCidrs':
        form[key as 'name' | 'description' | 'tags' | 'publicCidrs'] = textOf(state);
        break;
      case 'accountId':
      case 'profile':
      case 'region':
      case 'keyPairId':
      case 'vpcId':
      case 'subnetId':
        form[key as 'accountId' | 'profile' | 'region' | 'keyPairId' | 'vpcId' | 'subnetId'] = choiceOf(state);
        break;
      case 'expiry':
        form.expiry = z.enum(EXPIRY_CHOICES).optional().catch(undefined).parse(choiceOf(state));
        break;
      case 'endpointAccess':
        form.endpointAccess = z.enum(ENDPOINT_ACCESS_CHOICES).catch('public').parse(choiceOf(state));
        break;
      case 'workerPools':
        form.parallelPoolUpdates = choicesOf(state).length > 0;
        break;
    }
  }
  if (form.region !== previous.region) {
    form.keyPairId = undefined;
    form.vpcId = undefined;
  }
  if (form.vpcId !== previous.vpcId) form.subnetId = undefined;
  if (form.profile !== previous.profile) form.packs = {};
  return form;
}

/** One pool form with the view's values of its fields applied (the add-pool modal: the wizard's pool fields alone). */
export function applyPoolState(previous: WizardPoolForm, values: StateValues): WizardPoolForm {
  const pool = structuredClone(previous);
  for (const [blockId, actions] of Object.entries(values)) {
    const key = fieldOfBlock(blockId);
    const state = Object.values(actions)[0];
    if (!key?.startsWith(`pool:${pool.key}:`) || !state) continue;
    setPoolField(pool, key.split(':')[2] as PoolField, state);
  }
  return pool;
}

/** A step's field errors as Slack can show them: inline by block id, or a notice above the form. */
export type ShownErrors = { inline: Record<string, string> } | { notice: string };

/**
 * Slack shows `response_action: errors` only on input blocks of the view, and a view redrawn
 * afterwards loses them, so inline errors and a redrawn notice cannot go together. Errors go
 * inline on the blocks the view has; the messages of fields it does not show (the subnet, while a
 * VPC of a newly chosen region is not picked yet) are added to the first inline error in the view;
 * only when no field in error has a block do they all become a notice.
 */
export function errorsForBlocks(errors: FieldErrors, blockIds: readonly string[]): ShownErrors {
  const inline: Record<string, string> = {};
  const unplaced: FieldError[] = [];
  for (const [key, error] of Object.entries(errors) as [FieldKey, FieldError][]) {
    const blockId = blockIds.find((id) => fieldOfBlock(id) === key);
    if (blockId) inline[blockId] = fieldErrorText(error);
    else unplaced.push(error);
  }
  const first = blockIds.find((id) => id in inline);
  if (!first) return { notice: fieldErrorsNotice(unplaced) };
  if (unplaced.length > 0) inline[first] = `${inline[first]}\nAlso: ${unplaced.map(fieldErrorText).join('; ')}`;
  return { inline };
}

/** A field's problem for the user: its words, or the policy's refusal naming who may. */
export const fieldErrorText = (error: FieldError): string => (typeof error === 'string' ? error : policyRefusalText(error));

/**
 * Field errors as a notice, which Slack reads as mrkdwn: the rules' words repeat what the user
 * typed (a tag, a CIDR), so they come escaped; a policy refusal keeps its mentions.
 */
export const fieldErrorsNotice = (errors: readonly FieldError[]): string =>
  errors.map((error) => (typeof error === 'string' ? escapeMrkdwn(error) : policyRefusalText(error))).join('\n');

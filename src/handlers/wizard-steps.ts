/**
 * The wizard's steps put together: which view a step shows for a draft, and which rules its
 * submission must pass. Shared by the `/tke create` subcommand and the wizard's listeners.
 */
import type { ModalView } from '@slack/types';
import { scopeLabel } from '../services/accounts.js';
import { checkBasics, checkClusterSpec, checkPacks, checkPlacement, checkWorkerPools } from '../services/cluster-spec.js';
import type { FieldErrors, FieldKey, SpecContext } from '../services/cluster-spec.js';
import { formOf, optionsOf } from '../services/drafts.js';
import { applyOverrides, osImageOf } from '../services/profiles.js';
import type { Services } from '../services/services.js';
import type { ClusterSpec, DraftRecord, WizardForm } from '../services/store-schema.js';
import { basicsView } from '../views/wizard/basics.js';
import { WIZARD_STEPS, type WizardStep } from '../views/wizard/fields.js';
import { packsView } from '../views/wizard/packs.js';
import { placementView } from '../views/wizard/placement.js';
import { poolsView } from '../views/wizard/pools.js';
import { reviewView } from '../views/wizard/review.js';

export type WizardServices = Pick<Services, 'accounts' | 'policy' | 'profiles' | 'clusterLookup'>;

export const nextStep = (step: WizardStep): WizardStep => WIZARD_STEPS[WIZARD_STEPS.indexOf(step) + 1] ?? 'review';
export const previousStep = (step: WizardStep): WizardStep => WIZARD_STEPS[WIZARD_STEPS.indexOf(step) - 1] ?? 'basics';

/**
 * What the rules need for this draft and form: whether a cluster name is taken in its project,
 * whether the policy lets the draft's user use the chosen cloud account from the draft's channel,
 * the profiles and the choices loaded from Tencent.
 */
export async function specContext(services: WizardServices, draft: DraftRecord, form: WizardForm): Promise<SpecContext> {
  const accountUse = form.accountId
    ? await services.accounts.checkUse(form.accountId, { user: draft.userId, channel: draft.channel }, services.policy)
    : undefined;
  // The rules run synchronously: whether the name typed is taken is asked before.
  const typed = form.name.trim();
  const typedIsTaken = typed !== '' && (await services.clusterLookup.isNameTaken(draft.project, typed));
  return {
    isNameTaken: (name) => (name === typed ? typedIsTaken : false),
    accountRefusal: accountUse && !accountUse.allowed ? accountUse.message : undefined,
    profiles: services.profiles,
    options: optionsOf(draft),
  };
}

/** The step a field is asked in. */
export function stepOfField(key: FieldKey): WizardStep {
  if (key.startsWith('pack:')) return 'packs';
  if (key.startsWith('pool:') || key === 'workerPools') return 'pools';
  if (['region', 'keyPairId', 'vpcId', 'subnetId', 'endpointAccess', 'publicCidrs'].includes(key)) return 'placement';
  return 'basics';
}

export const describeErrors = (errors: FieldErrors): string => Object.values(errors).join('\n');

export type StepCheck = { ok: true; spec: Partial<ClusterSpec> } | { ok: false; errors: FieldErrors };

/** The rules of one step (the review step checks everything). */
export async function checkStep(services: WizardServices, draft: DraftRecord, step: WizardStep, form: WizardForm): Promise<StepCheck> {
  const context = await specContext(services, draft, form);
  const result = (() => {
    switch (step) {
      case 'basics':
        return checkBasics(form, context);
      case 'packs': {
        const profile = form.profile ? services.profiles.get(form.profile) : undefined;
        if (!profile) return { ok: false as const, errors: { profile: 'Choose a cluster profile' } };
        return checkPacks(form, profile);
      }
      case 'placement':
        return checkPlacement(form, context.options, form.profile ? services.profiles.get(form.profile)?.layers.network : undefined);
      case 'pools':
        return checkWorkerPools(form, context.options);
      case 'review':
        return checkClusterSpec(form, context);
    }
  })();
  return result.ok ? { ok: true, spec: result.value } : { ok: false, errors: result.errors };
}

/**
 * The view of `step` for this draft. A step that cannot be shown yet (review of an incomplete
 * spec, packs without a profile) shows the first step that needs attention, with a notice.
 */
export async function renderStep(
  services: WizardServices,
  draft: DraftRecord,
  step: WizardStep,
  notice?: string,
): Promise<{ step: WizardStep; view: ModalView }> {
  const form = formOf(draft);
  const options = optionsOf(draft);
  const base = { draftId: draft.id, form, notice };
  switch (step) {
    case 'basics':
      return {
        step,
        view: basicsView({
          ...base,
          accounts: services.accounts.usableIn(draft.channel, services.policy).map((a) => ({ id: a.id, name: a.name, scope: scopeLabel(a.scope) })),
          profiles: services.profiles.list().map((p) => ({ name: p.name, description: p.description })),
        }),
      };
    case 'packs': {
      const profile = form.profile ? services.profiles.get(form.profile) : undefined;
      if (!profile) return renderStep(services, draft, 'basics', notice ?? 'Choose a cluster profile first.');
      return { step, view: packsView({ ...base, profile }) };
    }
    case 'placement':
      return { step, view: placementView({ ...base, options }) };
    case 'pools':
      return { step, view: poolsView({ ...base, options }) };
    case 'review': {
      const checked = checkClusterSpec(form, await specContext(services, draft, form));
      if (!checked.ok) {
        const first = WIZARD_STEPS.find((s) => Object.keys(checked.errors).some((k) => stepOfField(k as FieldKey) === s)) ?? 'basics';
        return renderStep(services, draft, first, `Fix this before deploying:\n${describeErrors(checked.errors)}`);
      }
      const spec = checked.value;
      const profile = services.profiles.get(spec.profile);
      const resolved = profile && applyOverrides(profile, spec.packOverrides);
      if (!resolved?.ok) return renderStep(services, draft, 'packs', notice);
      return {
        step,
        view: reviewView({
          draftId: draft.id,
          spec,
          accountName: services.accounts.nameOf(spec.accountId),
          profile: resolved.profile,
          os: osImageOf(resolved.profile),
          options,
          notice,
        }),
      };
    }
  }
}

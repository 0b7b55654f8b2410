/**
 * The `/tke create` wizard as a service: it owns the drafts (through the drafts service), the rules
 * of each step (basics → packs → placement → pools → review), the choices loaded from Tencent, and
 * the hand-off to Deploy. Handlers translate Slack payloads into calls here and render what comes
 * back; nothing here knows about Slack.
 *
 * Every call names the draft and the user; a draft that expired, belongs to someone else or was
 * already deployed answers `{ kind: 'gone' }` with why, so an old view answers politely.
 *
 * Validation happens where a user needs an answer, and the value it produces travels on: the
 * step before the review checks the whole spec once (its own fields' errors inline, the review
 * drawn from the same result), and Deploy checks the whole spec once more — the wizard may have
 * been open for hours — and hands that `ClusterSpec` to Deploy as a value.
 */
import { defaultExpiryChoice, expiryChoicesFor, type ExpiryChoice } from './domain/expiry.js';
import type { AccountService, AccountSummary } from './accounts.js';
import { checkBasics, checkClusterSpec, checkPacks, checkPlacement } from './cluster-spec.js';
import type { Checked, FieldErrors, FieldKey, SpecContext } from './cluster-spec.js';
import type { ClusterLookup } from './cluster-lookup.js';
import { costBasis, type CostService } from './cost.js';
import { DeployError, type DeployService } from './deploy.js';
import { formOf, newPoolForm, optionsOf, type Drafts } from './drafts.js';
import type { Logger } from './logger.js';
import type { Policy, PolicyRefusal } from './policy-types.js';
import { applyOverrides, osImageOf, type Profile, type ProfileCatalog } from './profiles.js';
import type { AccountScope, ClusterRecord, ClusterSpec, CostEstimate, DraftRecord, WizardForm, WizardOptions } from './domain/index.js';
import type { ProvisioningThreads } from './threads.js';
import type { WizardChoices } from './wizard-choices.js';
import { WIZARD_STEPS, type WizardStep } from './domain/rules.js';

export { WIZARD_STEPS, type WizardStep } from './domain/rules.js';

/** The steps with fields to fill in (the review shows the spec they make). */
type FormStep = Exclude<WizardStep, 'review'>;

export const nextStep = (step: WizardStep): WizardStep => WIZARD_STEPS[WIZARD_STEPS.indexOf(step) + 1] ?? 'review';
export const previousStep = (step: WizardStep): WizardStep => WIZARD_STEPS[WIZARD_STEPS.indexOf(step) - 1] ?? 'basics';

/** The step a field is asked in. */
export function stepOfField(key: FieldKey): FormStep {
  if (key.startsWith('pack:')) return 'packs';
  if (key.startsWith('pool:') || key === 'workerPools') return 'pools';
  if (['region', 'keyPairId', 'vpcId', 'subnetId', 'endpointAccess', 'publicCidrs'].includes(key)) return 'placement';
  return 'basics';
}

/** The first step (in wizard order) that has one of these errors. */
const firstStepOf = (errors: FieldErrors): FormStep => {
  const steps = Object.keys(errors).map((k) => stepOfField(k as FieldKey));
  return (['basics', 'packs', 'placement', 'pools'] as const).find((s) => steps.includes(s)) ?? 'basics';
};

// ---- what the service returns ------------------------------------------------------------------

interface ScreenBase {
  draftId: string;
  form: WizardForm;
  /** Why the user sees this step (sent back here, a problem to fix). */
  notice?: WizardNotice | undefined;
}

/**
 * A notice above a step: plain words, the spec's problems to fix before Deploy (the first step
 * with one is shown), or why no cloud account can be added here (the policy's refusal, if any).
 */
export type WizardNotice = string | { kind: 'fixBeforeDeploy'; errors: FieldErrors } | { kind: 'cannotAddAccount'; refusal?: PolicyRefusal };

/** What one wizard step shows: the data its view is drawn from. */
export type WizardScreen =
  | (ScreenBase & { step: 'basics'; accounts: AccountSummary[]; profiles: { name: string; description: string }[]; expiry: { choices: ExpiryChoice[]; selected: ExpiryChoice } })
  | (ScreenBase & { step: 'packs'; profile: Profile })
  | (ScreenBase & { step: 'placement'; options: WizardOptions })
  | (ScreenBase & { step: 'pools'; options: WizardOptions })
  | (ScreenBase & {
      step: 'review';
      spec: ClusterSpec;
      accountName: string;
      profile: Profile;
      os: string;
      options: WizardOptions;
      /** The spec's price; 'estimating' while Tencent is asked (estimateCost()); absent without a cost service. */
      estimate?: CostEstimate | 'estimating' | undefined;
    });

/** Why a wizard view can no longer be used: its draft expired (or is another user's, or was discarded), or it became a cluster. */
export type WizardGone =
  | { kind: 'expired' }
  | { kind: 'deployed'; name: string; channel: string; thread?: { channel: string; ts: string } | undefined };

export interface Gone {
  kind: 'gone';
  gone: WizardGone;
}

/**
 * A step to draw again. `now` is shown at once (absent when only a stale load error is to be
 * cleared); with `loadChoices`, Tencent is asked for what the form needs next (loadChoices()),
 * and the screen is drawn again with it.
 */
export interface Redraw {
  kind: 'redraw';
  step: WizardStep;
  now?: WizardScreen;
  loadChoices: boolean;
  /** The review shows "estimating…": Tencent is asked for its price (estimateCost()) and the review drawn again with it. */
  estimateCost?: boolean;
}

/** Who to tell about a Deploy that happened after the modal closed: the draft's user, in its channel. */
export interface Deployer {
  user: string;
  channel: string;
  draftId: string;
}

export type Begun =
  /** The policy does not let the user create clusters here. */
  | { kind: 'refused'; refusal: PolicyRefusal }
  /** An unfinished draft of this user in this channel: offer to resume it or start over. */
  | { kind: 'resumable'; draftId: string; name: string; step: WizardStep }
  | { kind: 'fresh'; screen: WizardScreen };

export type Submitted =
  | Gone
  /** The step's rules failed: errors by field, and the draft (with what was typed) to draw a notice on. */
  | { kind: 'invalid'; errors: FieldErrors; step: WizardStep }
  /** The next step, shown with the ack; `then`, when it shows choices still to load from Tencent: the redraw after the ack. */
  | { kind: 'next'; screen: WizardScreen; then?: Redraw };

/** The spec validated for Deploy, carried as a value to deploy(). */
export interface DeployReady {
  kind: 'ready';
  deployer: Deployer;
  spec: ClusterSpec;
  /** The price the review showed for this very spec, kept on the cluster. */
  estimate?: CostEstimate | undefined;
}

export type DeployCheck =
  | Gone
  /** The policy does not let the draft's user deploy it from its channel (or use its cloud account there). */
  | { kind: 'refused'; deployer: Deployer; refusal: PolicyRefusal }
  /** The spec no longer passes (changed since the review was shown): the step to fix. */
  | { kind: 'invalid'; screen: WizardScreen }
  | DeployReady;

export type DeployOutcome =
  | { kind: 'started'; deployer: Deployer; cluster: ClusterRecord; created: boolean; announced: boolean }
  /** Deploy refused before anything was recorded (name taken meanwhile, profile gone...). */
  | { kind: 'refused'; deployer: Deployer; message: string }
  | { kind: 'failed'; deployer: Deployer; error: unknown };

export type AccountAdding = Gone | { kind: 'push'; draftId: string; scopes: AccountScope[] } | Redraw;

/** A change a wizard button makes to the form before the step is drawn again. */
export type WizardEdit = { kind: 'keep' } | { kind: 'addPool' } | { kind: 'removePool'; key: string } | { kind: 'back' };

/** The values a view carried, applied to the stored form (the handler knows how Slack sends them). */
export type Typed = (stored: WizardForm) => WizardForm;

export interface BeginInput {
  user: string;
  channel: string;
  /** Pre-fills the cluster name (`/tke create <name>`). */
  name?: string | undefined;
}

export interface WizardService {
  /** `/tke create`: the policy, then the user's unfinished draft here to resume, or a fresh draft on its first step. */
  begin(input: BeginInput): Promise<Begun>;
  /** A fresh draft on its first step, without looking for one to resume ("Start over" discards the old one first). */
  startOver(input: BeginInput & { discard?: string | undefined }): Promise<Begun>;
  /** The Slack view now showing the draft. */
  attachView(draftId: string, viewId: string): Promise<void>;
  /** Forgets a draft whose wizard Slack never opened. */
  discard(draftId: string, user: string): Promise<void>;
  /** The draft as it was left, on the step the user left it at. */
  resume(draftId: string, user: string, viewId: string): Promise<Gone | Redraw>;
  /** The wizard was closed: what was typed is kept for a later resume. */
  close(draftId: string, user: string, typed: Typed): Promise<void>;
  /** Next on a step: its rules, then the next step. */
  submit(draftId: string, user: string, step: WizardStep, typed: Typed, viewId: string): Promise<Submitted>;
  /** A button or dispatching input inside a step: saves what was typed, applies `edit`, draws the step again. */
  edit(draftId: string, user: string, step: WizardStep, typed: Typed, edit: WizardEdit, viewId: string): Promise<Gone | Redraw>;
  /** The step drawn again as it is stored, with an optional notice. */
  redraw(draftId: string, user: string, step: WizardStep, notice?: WizardNotice): Promise<Gone | Redraw>;
  /**
   * Asks Tencent the price of the draft's spec and stores it; the review drawn with it (undefined
   * once the draft is gone or its spec no longer passes).
   */
  estimateCost(draftId: string): Promise<WizardScreen | undefined>;
  /** Loads the choices the draft's form needs from Tencent and stores them; the step drawn with them (undefined once the draft is gone). */
  loadChoices(draftId: string, step: WizardStep): Promise<WizardScreen | undefined>;
  /** The step as stored, with a notice (a step's errors that no field of the view can show). */
  screen(draftId: string, user: string, step: WizardStep, notice?: WizardNotice): Promise<Gone | { kind: 'screen'; screen: WizardScreen }>;
  /** "+ Cloud account": the scopes the user may add an account in, or the first step with why not. */
  addAccount(draftId: string, user: string, typed: Typed, viewId: string): Promise<AccountAdding>;
  /** After "+ Cloud account" saved an account: the draft selects it; the view to update, drawn on the first step. */
  selectAccount(draftId: string, accountId: string): Promise<{ viewId: string; screen: WizardScreen } | undefined>;
  /** The channel of the user's draft (an account added from the wizard belongs to its project). */
  channelOf(draftId: string, user: string): Promise<string | undefined>;
  /** Deploy, before the ack: the policy and the whole spec, checked once. */
  checkDeploy(draftId: string, user: string): Promise<DeployCheck>;
  /** Deploy, after the ack: the validated spec to Deploy (exactly one cluster per draft), then its provisioning thread. */
  deploy(ready: DeployReady): Promise<DeployOutcome>;
}

export interface WizardDeps {
  drafts: Drafts;
  choices: WizardChoices;
  accounts: Pick<AccountService, 'usableIn' | 'checkUse' | 'addableScopes' | 'nameOf'>;
  policy: Policy;
  profiles: ProfileCatalog;
  clusterLookup: Pick<ClusterLookup, 'get' | 'isNameTaken'>;
  deploy: DeployService;
  threads: Pick<ProvisioningThreads, 'announce'>;
  logger: Logger;
  /** Prices the review's spec; without it the review shows no price. */
  cost?: Pick<CostService, 'estimate'> | undefined;
}

type Opened = { draft: DraftRecord } | Gone;

export function createWizardService(deps: WizardDeps): WizardService {
  const { drafts, choices, accounts, policy, profiles } = deps;

  /** The draft, only for the user who opened the wizard and only until it is deployed. */
  async function open(draftId: string, user: string): Promise<Opened> {
    const draft = await drafts.get(draftId);
    if (!draft || draft.userId !== user) return { kind: 'gone', gone: { kind: 'expired' } };
    if (!draft.clusterId) return { draft };
    const cluster = await deps.clusterLookup.get(draft.clusterId);
    return { kind: 'gone', gone: cluster ? { kind: 'deployed', name: cluster.spec.name, channel: cluster.channel, thread: cluster.thread } : { kind: 'expired' } };
  }

  /** Why a draft that could not be saved is gone (it expired, or was deployed meanwhile). */
  const goneNow = async (draftId: string, user: string): Promise<Gone> => {
    const opened = await open(draftId, user);
    return 'draft' in opened ? { kind: 'gone', gone: { kind: 'expired' } } : opened;
  };

  const save = (draftId: string, form: WizardForm, viewId?: string) =>
    drafts.update(draftId, (d) => {
      d.form = form;
      if (viewId !== undefined) d.viewId = viewId;
    });

  /**
   * What the rules need for this draft and form: whether a cluster name is taken in its project,
   * whether the policy lets the draft's user use the chosen cloud account from the draft's channel,
   * the profiles and the choices loaded from Tencent.
   */
  async function specContext(draft: DraftRecord, form: WizardForm): Promise<SpecContext> {
    const accountUse = form.accountId ? await accounts.checkUse(form.accountId, { user: draft.userId, channel: draft.channel }, policy) : undefined;
    // The rules run synchronously: whether the name typed is taken is asked before.
    const typed = form.name.trim();
    const typedIsTaken = typed !== '' && (await deps.clusterLookup.isNameTaken(draft.project, typed));
    return {
      isNameTaken: (name) => name === typed && typedIsTaken,
      accountRefusal: accountUse && !accountUse.allowed ? accountUse.refusal : undefined,
      profiles,
      options: optionsOf(draft),
      expiryRule: policy.expiryRule(draft.project),
    };
  }

  /** "Delete automatically after": what the project allows, and the choice shown (the form's, else the project's default). */
  const expiryOffer = (project: string | undefined, form: WizardForm) => {
    const rule = policy.expiryRule(project);
    return { choices: expiryChoicesFor(rule), selected: form.expiry ?? defaultExpiryChoice(rule) };
  };

  const profileOf = (form: WizardForm) => (form.profile ? profiles.get(form.profile) : undefined);

  /** The rules of one step before the review (the review's are the whole spec's). */
  async function checkStep(draft: DraftRecord, step: Exclude<FormStep, 'pools'>, form: WizardForm): Promise<Checked<unknown>> {
    switch (step) {
      case 'basics':
        return checkBasics(form, await specContext(draft, form));
      case 'packs': {
        const profile = profileOf(form);
        return profile ? checkPacks(form, profile) : { ok: false, errors: { profile: 'Choose a cluster profile' } };
      }
      case 'placement':
        return checkPlacement(form, optionsOf(draft), profileOf(form)?.layers.network);
    }
  }

  /** The review of a checked spec; a spec that does not pass shows the first step needing attention. */
  function reviewScreen(draft: DraftRecord, checked: Checked<ClusterSpec>, notice?: WizardNotice): WizardScreen {
    if (!checked.ok) return screenOf(draft, firstStepOf(checked.errors), { kind: 'fixBeforeDeploy', errors: checked.errors });
    const spec = checked.value;
    const profile = profiles.get(spec.profile);
    const resolved = profile && applyOverrides(profile, spec.packOverrides);
    if (!resolved?.ok) return screenOf(draft, 'packs', notice);
    const os = osImageOf(resolved.profile);
    return {
      step: 'review',
      draftId: draft.id,
      form: formOf(draft),
      notice,
      spec,
      accountName: accounts.nameOf(spec.accountId),
      profile: resolved.profile,
      os,
      options: optionsOf(draft),
      ...(deps.cost ? { estimate: estimateOf(draft, spec, os) ?? 'estimating' } : {}),
    };
  }

  /** The draft's stored estimate when it prices this spec. */
  const estimateOf = (draft: DraftRecord, spec: ClusterSpec, os: string): CostEstimate | undefined =>
    draft.estimate?.basis === costBasis(spec, os) ? draft.estimate : undefined;

  /** The review still to be priced: shown estimating now, priced after (the ack). */
  const needsEstimate = (screen: WizardScreen): boolean => screen.step === 'review' && screen.estimate === 'estimating';

  /** A step other than the review, as stored. Packs without a profile show the first step, with a notice. */
  function screenOf(draft: DraftRecord, step: FormStep, notice?: WizardNotice): WizardScreen {
    const base = { draftId: draft.id, form: formOf(draft), notice };
    switch (step) {
      case 'basics':
        return {
          ...base,
          step,
          accounts: accounts.usableIn(draft.channel, policy),
          profiles: profiles.list().map((p) => ({ name: p.name, description: p.description })),
          expiry: expiryOffer(draft.project, base.form),
        };
      case 'packs': {
        const profile = profileOf(base.form);
        return profile ? { ...base, step, profile } : screenOf(draft, 'basics', notice ?? 'Choose a cluster profile first.');
      }
      case 'placement':
      case 'pools':
        return { ...base, step, options: optionsOf(draft) };
    }
  }

  /** The view of `step` for this draft; the review checks the whole spec to show it. */
  async function screenFor(draft: DraftRecord, step: WizardStep, notice?: WizardNotice): Promise<WizardScreen> {
    if (step !== 'review') return screenOf(draft, step, notice);
    const form = formOf(draft);
    return reviewScreen(draft, checkClusterSpec(form, await specContext(draft, form)), notice);
  }

  /** Draws a step, loading from Tencent first what its form needs (shown as loading meanwhile). */
  async function redrawOf(draft: DraftRecord, step: WizardStep, notice?: WizardNotice): Promise<Redraw> {
    const options = optionsOf(draft);
    const needsLoading = choices.needsLoading(formOf(draft), options);
    if (!needsLoading && !options.error) {
      const now = await screenFor(draft, step, notice);
      return { kind: 'redraw', step, now, loadChoices: false, ...(needsEstimate(now) ? { estimateCost: true } : {}) };
    }
    // "Loading …" while Tencent answers (a retry hides the old error meanwhile).
    if (!needsLoading) return { kind: 'redraw', step, loadChoices: true };
    return { kind: 'redraw', step, now: await screenFor({ ...draft, options: { ...options, error: undefined } }, step, notice), loadChoices: true };
  }

  /**
   * The step the user left a draft at: the first whose rules what was typed does not pass yet
   * (the review once everything does). The store keeps the form, not the step, so this is read
   * from the form; packs are valid as the profile has them, so a draft left on packs resumes at
   * placement (Back shows them).
   */
  async function resumeStep(draft: DraftRecord): Promise<WizardStep> {
    const form = formOf(draft);
    const checked = checkClusterSpec(form, await specContext(draft, form));
    return checked.ok ? 'review' : firstStepOf(checked.errors);
  }

  async function fresh(input: BeginInput, project: string | undefined): Promise<Begun> {
    const draft = await drafts.create({ userId: input.user, channel: input.channel, project, name: input.name });
    return { kind: 'fresh', screen: screenOf(draft, 'basics') };
  }

  async function allowedProject(input: BeginInput): Promise<{ project: string | undefined } | { kind: 'refused'; refusal: PolicyRefusal }> {
    const project = policy.projectForChannel(input.channel)?.name;
    const decision = await policy.check('cluster.create', { user: input.user, channel: input.channel, project });
    return decision.allowed ? { project } : { kind: 'refused', refusal: decision.refusal };
  }

  /** Why the draft's user may not deploy it now: the policy on creating clusters there, and on the chosen cloud account. */
  async function deployRefusal(draft: DraftRecord): Promise<PolicyRefusal | undefined> {
    const subject = { user: draft.userId, channel: draft.channel };
    const create = await policy.check('cluster.create', { ...subject, project: draft.project });
    if (!create.allowed) return create.refusal;
    const accountId = formOf(draft).accountId;
    const use = accountId ? await accounts.checkUse(accountId, subject, policy) : undefined;
    return use && !use.allowed ? use.refusal : undefined;
  }

  return {
    async begin(input) {
      const allowed = await allowedProject(input);
      if ('kind' in allowed) return allowed;
      const left = await drafts.latestOpen(input.user, input.channel);
      if (left) return { kind: 'resumable', draftId: left.id, name: formOf(left).name.trim(), step: await resumeStep(left) };
      return fresh(input, allowed.project);
    },

    async startOver(input) {
      const allowed = await allowedProject(input);
      if ('kind' in allowed) return allowed;
      if (input.discard !== undefined && (await drafts.get(input.discard))?.userId === input.user) await drafts.discard(input.discard);
      return fresh(input, allowed.project);
    },

    async attachView(draftId, viewId) {
      await drafts.update(draftId, (d) => (d.viewId = viewId));
    },

    async discard(draftId, user) {
      if ((await drafts.get(draftId))?.userId === user) await drafts.discard(draftId);
    },

    async resume(draftId, user, viewId) {
      const opened = await open(draftId, user);
      if ('kind' in opened) return opened;
      const step = await resumeStep(opened.draft);
      const saved = await drafts.update(draftId, (d) => (d.viewId = viewId));
      return saved ? redrawOf(saved, step) : goneNow(draftId, user);
    },

    async close(draftId, user, typed) {
      const opened = await open(draftId, user);
      if ('kind' in opened) return;
      // No view shows the draft any more; the next /tke create here offers it.
      await drafts.update(draftId, (d) => {
        d.form = typed(formOf(d));
        delete d.viewId;
      });
    },

    async submit(draftId, user, step, typed, viewId) {
      const opened = await open(draftId, user);
      if ('kind' in opened) return opened;
      const { draft } = opened;
      const form = typed(formOf(draft));
      if (step === 'review') throw new Error('the review step is submitted through checkDeploy');
      // The pools step leads to the review: the whole spec is checked once, for both. Its own
      // fields' errors are shown on it; another step's send the user back there, as the review would.
      let whole: Checked<ClusterSpec> | undefined;
      let checked: Checked<unknown>;
      if (step === 'pools') checked = whole = checkClusterSpec(form, await specContext(draft, form));
      else checked = await checkStep(draft, step, form);
      const errors = checked.ok ? {} : whole ? Object.fromEntries(Object.entries(checked.errors).filter(([k]) => stepOfField(k as FieldKey) === 'pools')) : checked.errors;
      if (Object.keys(errors).length > 0) {
        await save(draftId, form);
        return { kind: 'invalid', errors, step };
      }
      const saved = await save(draftId, form, viewId);
      if (!saved) return goneNow(draftId, user);
      const screen = whole ? reviewScreen(saved, whole) : screenOf(saved, nextStep(step) as FormStep);
      // Placement and worker pools show choices from Tencent (regions, key pairs, subnets...): load them after the ack.
      const options = optionsOf(saved);
      // The review is priced after the ack too: it shows "estimating…" until then.
      if (needsEstimate(screen)) return { kind: 'next', screen, then: { kind: 'redraw', step: 'review', loadChoices: false, estimateCost: true } };
      const showsChoices = screen.step === 'placement' || screen.step === 'pools';
      if (!showsChoices || (!choices.needsLoading(form, options) && !options.error)) return { kind: 'next', screen };
      return { kind: 'next', screen, then: await redrawOf(saved, screen.step) };
    },

    async edit(draftId, user, step, typed, edit, viewId) {
      const opened = await open(draftId, user);
      if ('kind' in opened) return opened;
      const form = typed(formOf(opened.draft));
      let shown = step;
      if (edit.kind === 'addPool') {
        form.pools.push(newPoolForm(form));
        form.nextPoolKey += 1;
      } else if (edit.kind === 'removePool') form.pools = form.pools.filter((p) => p.key !== edit.key);
      else if (edit.kind === 'back') shown = previousStep(step);
      const saved = await save(draftId, form, viewId);
      return saved ? redrawOf(saved, shown) : goneNow(draftId, user);
    },

    async redraw(draftId, user, step, notice) {
      const opened = await open(draftId, user);
      return 'kind' in opened ? opened : redrawOf(opened.draft, step, notice);
    },

    async estimateCost(draftId) {
      const draft = await drafts.get(draftId);
      if (!draft || draft.clusterId || !deps.cost) return undefined;
      const screen = await screenFor(draft, 'review');
      if (screen.step !== 'review') return undefined;
      const estimate = await deps.cost.estimate(screen.spec, screen.os);
      // Kept only while the draft still has this form (it may have been edited or deployed meanwhile).
      let kept = false;
      await drafts.update(draftId, (d) => {
        kept = d.clusterId === undefined && JSON.stringify(formOf(d)) === JSON.stringify(screen.form);
        if (kept) d.estimate = estimate;
      });
      return kept ? { ...screen, estimate } : undefined;
    },

    async loadChoices(draftId, step) {
      const draft = await drafts.get(draftId);
      if (!draft) return undefined;
      const loaded = await choices.load(formOf(draft), optionsOf(draft));
      const saved = await drafts.update(draftId, (d) => (d.options = loaded));
      return saved ? screenFor(saved, step) : undefined;
    },

    async screen(draftId, user, step, notice) {
      const opened = await open(draftId, user);
      return 'kind' in opened ? opened : { kind: 'screen', screen: await screenFor(opened.draft, step, notice) };
    },

    async addAccount(draftId, user, typed, viewId) {
      const opened = await open(draftId, user);
      if ('kind' in opened) return opened;
      const { draft } = opened;
      const saved = await save(draftId, typed(formOf(draft)), viewId);
      if (!saved) return goneNow(draftId, user);
      const subject = { user, channel: draft.channel };
      const scopes = await accounts.addableScopes(subject, policy);
      if (scopes.length > 0) return { kind: 'push', draftId, scopes };
      const decision = await policy.check('account.addProject', { ...subject, project: draft.project });
      return redrawOf(saved, 'basics', { kind: 'cannotAddAccount', ...(decision.allowed ? {} : { refusal: decision.refusal }) });
    },

    async selectAccount(draftId, accountId) {
      const draft = await drafts.update(draftId, (d) => {
        d.form = { ...formOf(d), accountId };
      });
      if (!draft?.viewId) return undefined;
      return { viewId: draft.viewId, screen: screenOf(draft, 'basics') };
    },

    async channelOf(draftId, user) {
      const draft = await drafts.get(draftId);
      return draft?.userId === user ? draft.channel : undefined;
    },

    async checkDeploy(draftId, user) {
      const opened = await open(draftId, user);
      if ('kind' in opened) return opened;
      const { draft } = opened;
      const deployer: Deployer = { user: draft.userId, channel: draft.channel, draftId };
      const refusal = await deployRefusal(draft);
      if (refusal) return { kind: 'refused', deployer, refusal };
      const form = formOf(draft);
      const checked = checkClusterSpec(form, await specContext(draft, form));
      if (checked.ok) {
        const profile = profiles.get(checked.value.profile);
        const resolved = profile && applyOverrides(profile, checked.value.packOverrides);
        const estimate = resolved?.ok ? estimateOf(draft, checked.value, osImageOf(resolved.profile)) : undefined;
        return { kind: 'ready', deployer, spec: checked.value, ...(estimate ? { estimate } : {}) };
      }
      // A Deploy of the same view that just went through takes the cluster name: show that cluster, not the name rule.
      const now = await open(draftId, user);
      return 'kind' in now ? now : { kind: 'invalid', screen: reviewScreen(draft, checked) };
    },

    async deploy({ deployer, spec, estimate }) {
      try {
        const deployed = await deps.deploy.deploy({ draftId: deployer.draftId, spec, user: deployer.user, ...(estimate ? { estimate } : {}) });
        const { cluster, created } = deployed;
        // The provisioning thread (its root message, posted before CreateCluster, then the replies
        // due); idempotent, and the watcher retries it. A root Slack refused before is not asked again now.
        const announced = deployed.announced === false ? false : await deps.threads.announce(cluster.id);
        return { kind: 'started', deployer, cluster, created, announced };
      } catch (error) {
        if (error instanceof DeployError) return { kind: 'refused', deployer, message: error.message };
        deps.logger.error({ err: error, draft: deployer.draftId }, 'Deploy failed');
        return { kind: 'failed', deployer, error };
      }
    },
  };
}

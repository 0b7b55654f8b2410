/** A wizard step as the service describes it (WizardScreen), drawn as its modal; and the views of a wizard that is gone. */
import type { ModalView } from '@slack/types';
import { scopeLabel } from '../../services/domain/rules.js';
import type { WizardGone, WizardScreen } from '../../services/wizard.js';
import { basicsView } from './basics.js';
import { wizardDeployedView, wizardExpiredView } from './common.js';
import { packsView } from './packs.js';
import { placementView } from './placement.js';
import { poolsView } from './pools.js';
import { reviewView } from './review.js';

export function wizardView(screen: WizardScreen): ModalView {
  switch (screen.step) {
    case 'basics':
      return basicsView({
        ...screen,
        accounts: screen.accounts.map((a) => ({ id: a.id, name: a.name, scope: scopeLabel(a.scope) })),
      });
    case 'packs':
      return packsView(screen);
    case 'placement':
      return placementView(screen);
    case 'pools':
      return poolsView(screen);
    case 'review':
      return reviewView(screen);
  }
}

/** What an old wizard view shows once its draft is gone: expired, or the cluster it became. */
export const wizardGoneView = (gone: WizardGone): ModalView => (gone.kind === 'deployed' ? wizardDeployedView(gone) : wizardExpiredView());

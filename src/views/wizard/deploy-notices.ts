/** What the deployer is told privately after Deploy closed the modal, when there is something to tell. */
import type { DeployCheck, DeployOutcome } from '../../services/wizard.js';
import { policyRefusalText } from '../policy-refusals.js';

type Told = Extract<DeployCheck, { kind: 'refused' }> | DeployOutcome;

export function deployNotice(outcome: Told): string | undefined {
  switch (outcome.kind) {
    case 'refused':
      return `Deploy did not start: ${'refusal' in outcome ? policyRefusalText(outcome.refusal) : outcome.message}`;
    case 'failed':
      return 'Deploy did not start: tkeops hit an unexpected error; try again.';
    case 'started': {
      if (outcome.announced || !outcome.created) return undefined;
      const { cluster } = outcome;
      return (
        `Cluster *${cluster.spec.name}* is being created, but tkeops could not post its provisioning thread in <#${cluster.channel}>. ` +
        `Invite @tkeops to the channel (\`/invite @tkeops\`) and the thread will appear there. ` +
        `Provisioning goes on meanwhile; \`/tke status ${cluster.spec.name}\` shows where it is.`
      );
    }
  }
}

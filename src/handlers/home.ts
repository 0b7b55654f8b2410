/**
 * The App Home tab: `app_home_opened` publishes the person's tab (src/slack/home-publisher.ts,
 * rate-limited, kept current as clusters change), and its Create cluster button opens the wizard.
 * The tab's other buttons (Approve, Reject, Overview, Get kubeconfig) are the thread's and the
 * overview's, answered by their own listeners.
 */
import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Services } from '../services/services.js';
import { ActionIds } from '../views/ids.js';
import { openWizardFromHome, type CreateServices } from './create.js';

export type HomeServices = Pick<Services, 'homeTabs' | 'logger'> & CreateServices;

const createClickSchema = z.object({
  user: z.object({ id: z.string().min(1) }),
  trigger_id: z.string().min(1),
  actions: z.array(z.object({ value: z.string().min(1) })).min(1),
});

export function register(app: App, services: HomeServices): void {
  app.event('app_home_opened', async ({ event }) => {
    // The Messages and About tabs open this event too; only Home shows a view of tkeops'.
    if (event.tab !== 'home') return;
    services.homeTabs.opened(event.user);
  });

  app.action(ActionIds.homeCreateCluster, async ({ ack, body, client }) => {
    await ack();
    const parsed = createClickSchema.safeParse(body);
    const channel = parsed.data?.actions[0]?.value;
    if (!parsed.success || !channel) {
      services.logger.warn('Create cluster click without user, trigger or channel');
      return;
    }
    await openWizardFromHome(client, services, { user: parsed.data.user.id, channel, triggerId: parsed.data.trigger_id });
  });
}

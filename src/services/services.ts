import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Store } from './store.js';
import type { TkeGateway } from './tke.js';

/** Everything handlers may use; built once by createApp from its dependencies. */
export interface Services {
  store: Store;
  tke: TkeGateway;
  clock: Clock;
  logger: Logger;
}

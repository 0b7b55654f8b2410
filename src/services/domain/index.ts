/**
 * tkeops' domain types, apart from the persisted schema (store-schema.ts, read only by the store and
 * the repositories). Services, views and handlers import these.
 */
export * from './account.js';
export * from './audit.js';
export * from './cluster.js';
export * from './cost.js';
export * from './day-two.js';
export * from './draft.js';
export * from './expiry.js';

import type { CloudAccount } from './account.js';
import type { Cluster } from './cluster.js';
import type { Draft } from './draft.js';

/** Older names of the domain types, kept while the code that uses them moves to the new ones. */
export type ClusterRecord = Cluster;
export type DraftRecord = Draft;
export type AccountRecord = CloudAccount;
export * from './rules.js';

import { dayTwoOperation } from './day-two.js';
import { deletionOperation, forceDeleteOperation } from './deletion.js';
import { expiryOperation } from './expiry.js';
import type { Lifecycle } from './operation.js';
import { provisionOperation } from './provision.js';

/** The production lifecycle: provisioning, deletion, force delete, expiry. Tests may pass another (see withStep). */
export const defaultLifecycle: Lifecycle = {
  provision: provisionOperation,
  operations: [provisionOperation, deletionOperation, forceDeleteOperation, expiryOperation, dayTwoOperation],
};

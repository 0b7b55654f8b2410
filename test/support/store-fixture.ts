import { fileURLToPath } from 'node:url';

/**
 * test/fixtures/store-v1.json: a store written by tkeops' code of schema version 1 (commit d0c9c89,
 * test/fixtures/make-store-v1.ts there), the real bot over the Tencent emulator. It holds:
 * - the project cloud account acme-prod (platform), its Secret Key encrypted with FIXTURE_MASTER_KEY;
 * - prod-running (Running; its progress still has createRequestedAt and endpointRequestedAt, as an
 *   older tkeops wrote them), prod-deleting (Deleting, DeleteCluster sent), prod-provisioning and
 *   legacy-addons (Provisioning, control plane up), legacy-addons with a plan from before add-on
 *   packs were Helm releases (repository and package '');
 * - the four deployed drafts and one wizard left open (`/tke create staging-1`), and the audit trail.
 * Its ManualClock ended before FIXTURE_CLOCK_END.
 */
export const STORE_V1_FIXTURE = fileURLToPath(new URL('../fixtures/store-v1.json', import.meta.url));
export const FIXTURE_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
export const FIXTURE_CLOCK_END = Date.UTC(2026, 0, 1, 10, 0, 0);

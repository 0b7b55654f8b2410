export { startTkeEmulator, type TkeEmulator } from './server.js';
export type {
  ClusterResources,
  ClusterSnapshot,
  EmulatorAccount,
  EndpointSnapshot,
  InstanceSnapshot,
  NodePoolSnapshot,
  ReleaseSnapshot,
  TkeEmulatorControls,
  TkeEmulatorOptions,
} from './emulator.js';
export type { RecordedRequest } from './api.js';
export type { InjectedFailure } from './faults.js';
export { DEFAULT_TIMINGS, type AddonFailStage, type EmulatorTimings } from './state.js';
export { demoSeed, type EmulatorSeed, type EmulatorSeedInput } from './seed.js';

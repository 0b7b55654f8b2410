/**
 * The Tencent Cloud emulator as a process, for the demo and for manual testing:
 *   npm run sandbox:tke            (PORT=4577 by default)
 * Point the bot at it with TENCENT_API_ENDPOINT=<printed URL> and register the printed account.
 * Its clock follows real time; POST /_emulator/advance {"ms": 60000} fast-forwards it.
 */
import { systemClock, type Clock } from '../../services/clock.js';
import { demoSeed } from './seed.js';
import { startTkeEmulator } from './server.js';

/** Demo credentials (not a real Tencent key). */
export const DEMO_ACCOUNT = { secretId: 'AKIDdemoTkeops01', secretKey: 'demo-secret-key-for-the-emulator' };

/** Real time plus an offset the control API can push forward. */
function realTimeClock(): Clock & { advance(ms: number): Date } {
  let offset = 0;
  const now = () => new Date(systemClock.now().getTime() + offset);
  return {
    now,
    advance(ms: number) {
      offset += ms;
      return now();
    },
  };
}

const port = Number(process.env.PORT ?? 4577);
const emulator = await startTkeEmulator({ clock: realTimeClock(), accounts: [DEMO_ACCOUNT], port });

console.log(`Tencent Cloud API emulator listening on ${emulator.url}`);
console.log(`  SecretId:  ${DEMO_ACCOUNT.secretId}`);
console.log(`  SecretKey: ${DEMO_ACCOUNT.secretKey}`);
console.log(`  regions:   ${demoSeed().regions.map((r) => r.region).join(', ')}`);
console.log(`  controls:  POST ${emulator.url}/_emulator/<command>  (e.g. clusters, stickDeleting, advance, reset)`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the emulator`);
  emulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

/**
 * The Tencent Cloud emulator as a process, for the demo and for manual testing:
 *   npm run sandbox:tke            (PORT=4577 by default)
 * Point the bot at it with TENCENT_API_ENDPOINT=<printed URL> and register the printed account.
 * Its clock follows real time; POST /_emulator/advance {"ms": 60000} fast-forwards it.
 *
 * Flags, for a parent process that drives it over POST /_emulator/<command> (e.g. the benchmark):
 *   --manual-clock  the clock only moves on /_emulator/advance (starts where ManualClock starts)
 *   --child         print one JSON line {"url", "pid"} instead of the banner, and stop when stdin
 *                   closes, so the emulator never outlives its parent
 */
import { parseArgs } from 'node:util';
import { ManualClock, systemClock, type Clock } from '../../services/clock.js';
import { stopOnSignal } from '../stop-on-signal.js';
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

const { values: flags } = parseArgs({
  options: { 'manual-clock': { type: 'boolean', default: false }, child: { type: 'boolean', default: false } },
});
const port = Number(process.env.PORT ?? 4577);
const clock = flags['manual-clock'] ? new ManualClock() : realTimeClock();
const emulator = await startTkeEmulator({ clock, accounts: [DEMO_ACCOUNT], port });

if (flags.child) {
  console.log(JSON.stringify({ url: emulator.url, pid: process.pid }));
} else {
  console.log(`Tencent Cloud API emulator listening on ${emulator.url}`);
  console.log(`  SecretId:  ${DEMO_ACCOUNT.secretId}`);
  console.log(`  SecretKey: ${DEMO_ACCOUNT.secretKey}`);
  console.log(`  regions:   ${demoSeed().regions.map((r) => r.region).join(', ')}`);
  console.log(`  controls:  POST ${emulator.url}/_emulator/<command>  (e.g. clusters, stickDeleting, advance, reset)`);
}

const stop = stopOnSignal(
  () => emulator.close(),
  (reason) => {
    // A child's parent may be gone already, with the pipe behind stdout.
    if (!flags.child) console.log(`${reason}: stopping the emulator`);
  },
);
if (flags.child) {
  process.stdin.on('end', () => stop('stdin closed'));
  process.stdin.resume();
}

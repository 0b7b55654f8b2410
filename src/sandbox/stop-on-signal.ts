/**
 * Stops a sandbox process once, on Ctrl-C (SIGINT) or SIGTERM, then exits: 0 when `stop` resolves,
 * 1 (the error printed) when it fails. Returns the same trigger for other reasons to stop (e.g.
 * stdin closed); `announce` is told the reason first.
 */
export function stopOnSignal(stop: () => Promise<void>, announce: (reason: string) => void): (reason: string) => void {
  let stopping = false;
  const trigger = (reason: string) => {
    if (stopping) return;
    stopping = true;
    announce(reason);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => trigger('SIGINT'));
  process.on('SIGTERM', () => trigger('SIGTERM'));
  return trigger;
}

/** Failures and delays the test asks for, consumed by the API handler. `'*'` means every action. */
export interface InjectedFailure {
  code: string;
  message: string;
  times?: number;
}

interface PendingFailure {
  code: string;
  message: string;
  remaining: number;
}

export const THROTTLE_MESSAGE =
  'Your current request times exceeds the frequency limit for this action. Please reduce the frequency of calls.';

export class Faults {
  private readonly failures = new Map<string, PendingFailure[]>();
  private readonly latencies = new Map<string, number>();
  private readonly holds = new Map<string, Promise<void>>();

  /** Calls of `action` wait (after being recorded) until the returned function is called. */
  hold(action: string): () => void {
    let release = (): void => undefined;
    this.holds.set(action, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.holds.delete(action);
      release();
    };
  }

  /** What a call of `action` waits for before it is answered (resolved when nothing holds it). */
  heldFor(action: string): Promise<void> {
    return this.holds.get(action) ?? Promise.resolve();
  }

  /** The next `times` (default 1) calls of `action` answer this error instead of running. */
  failNext(action: string, failure: InjectedFailure): void {
    const queue = this.failures.get(action) ?? [];
    queue.push({ code: failure.code, message: failure.message, remaining: failure.times ?? 1 });
    this.failures.set(action, queue);
  }

  throttle(action: string, times: number): void {
    this.failNext(action, { code: 'RequestLimitExceeded', message: THROTTLE_MESSAGE, times });
  }

  /** Wall-clock delay before answering `action` (or every action for '*'); 0 removes it. */
  latency(action: string, ms: number): void {
    if (ms > 0) this.latencies.set(action, ms);
    else this.latencies.delete(action);
  }

  latencyFor(action: string): number {
    return this.latencies.get(action) ?? this.latencies.get('*') ?? 0;
  }

  /** Takes the failure due for this call, if any (the action's own before '*'). */
  takeFailure(action: string): { code: string; message: string } | undefined {
    for (const key of [action, '*']) {
      const queue = this.failures.get(key);
      const next = queue?.[0];
      if (!queue || !next) continue;
      next.remaining -= 1;
      if (next.remaining <= 0) queue.shift();
      return { code: next.code, message: next.message };
    }
    return undefined;
  }

  reset(): void {
    this.failures.clear();
    this.latencies.clear();
  }
}

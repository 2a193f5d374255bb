interface PendingDelay {
  timer: NodeJS.Timeout;
  resolve: (completed: boolean) => void;
}

/** Injected response latency that a closing simulator cuts short, so `close()` never waits for it. */
export class SimulatedLatency {
  private readonly pending = new Set<PendingDelay>();
  private stopped = false;

  /** Resolves true after `ms`, or false at once if stopped meanwhile. */
  wait(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const pending: PendingDelay = {
        timer: setTimeout(() => {
          this.pending.delete(pending);
          resolve(!this.stopped);
        }, ms),
        resolve,
      };
      this.pending.add(pending);
    });
  }

  /** Ends every wait now (each resolves false) and refuses new ones. */
  stop(): void {
    this.stopped = true;
    for (const pending of this.pending) {
      clearTimeout(pending.timer);
      pending.resolve(false);
    }
    this.pending.clear();
  }
}

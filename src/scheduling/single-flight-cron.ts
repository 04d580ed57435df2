import cron from 'node-cron';

export interface SingleFlightTask<T> {
  /** Runs the work now (resolves undefined if a run is under way, or it failed: see onError). */
  runNow(): Promise<T | undefined>;
  /** Stops the schedule and waits for a running run to finish. */
  stop(): Promise<void>;
}

export interface SingleFlightOptions<T> {
  /** A node-cron expression the caller has validated (`cron.validate`). */
  expression: string;
  /** The task's name in node-cron. */
  name: string;
  timezone?: string;
  onResult?: (result: T) => void;
  onError?: (err: unknown) => void;
}

/** Runs `work` on a cron schedule and on demand, never two runs at once. */
export function scheduleSingleFlight<T>(work: () => Promise<T>, options: SingleFlightOptions<T>): SingleFlightTask<T> {
  let running: Promise<T | undefined> | undefined;
  const runNow = (): Promise<T | undefined> => {
    if (running !== undefined) return Promise.resolve(undefined);
    running = work()
      .then((result) => {
        options.onResult?.(result);
        return result;
      })
      .catch((err: unknown) => {
        options.onError?.(err);
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const task = cron.schedule(options.expression, () => runNow(), {
    name: options.name,
    noOverlap: true,
    ...(options.timezone ? { timezone: options.timezone } : {}),
  });
  return {
    runNow,
    async stop() {
      await task.stop();
      await task.destroy();
      if (running !== undefined) await running;
    },
  };
}

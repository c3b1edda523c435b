// A loop of GET /healthz against a running receiver, one probe at a time, to check (tests) or
// measure (bench/) that the process keeps answering while it works. Each probe has a generous
// abort so that only a real hang fails it.
export interface HealthzProbe {
  /** performance.now() when the request was sent and when it answered or failed. */
  startedAt: number;
  endedAt: number;
  ok: boolean;
  /** Why a probe failed: the status it got or the fetch error. */
  error?: string;
}

export interface HealthzProber {
  /** How many probes have answered or failed so far. */
  made: () => number;
  /** Ends the loop after the probe in flight and returns every probe made. */
  stop: () => Promise<HealthzProbe[]>;
}

export function probeHealthz(
  baseUrl: string,
  { intervalMs = 100, abortMs = 10_000 }: { intervalMs?: number; abortMs?: number } = {},
): HealthzProber {
  const probes: HealthzProbe[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const startedAt = performance.now();
      const outcome = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(abortMs) }).then(
        async (response) => {
          await response.arrayBuffer();
          return response.ok ? {} : { error: `status ${response.status}` };
        },
        (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
      );
      probes.push({ startedAt, endedAt: performance.now(), ok: outcome.error === undefined, ...outcome });
      if (running) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    made: () => probes.length,
    stop: async () => {
      running = false;
      await loop;
      return probes;
    },
  };
}

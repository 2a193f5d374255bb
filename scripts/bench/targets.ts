// The performance targets, as the bench judges them.
export const TARGETS = {
  parquetCpuVsFloor: 4,
  ndjsonCpuVsFloor: 2.5,
  peakRssMb: 300,
  /** "Flat in export size": the big export's peak RSS at most this much above the small one's. */
  rssGrowth: 0.1,
  /** "Near-linear": speedup per added worker process, up to the core count. */
  scalingEfficiency: 0.8,
  redisCommandsPerPage: 12,
  budgetPerWindow: 0.98,
  /** Requests per exported row (planning and QueryOptions included) at most this much above ceil(rows ÷ page size) ÷ rows, by export size. */
  requestsPerRowExcess: [
    { contacts: 1_000_000, excess: 0.02 },
    { contacts: 20_000, excess: 0.1 },
  ],
  /** API-bound wall time (start to commit) at most this much above the physical minimum, with no 429. */
  apiBoundWallExcess: 0.03,
  /** Reaction times and page latencies (`--only timing`), ms. */
  timing: {
    /** Median, from the reset the headers gave to the next window's first request, and to its last worker's. */
    boundaryFirstMs: 30,
    boundaryAllMs: 60,
    /** After a 429's answer, requests already on their way may still meet the storm; none sent later. */
    stormRefusedWithinMs: 20,
    /** Median, from the probe's answer to the other workers' requests. */
    stormReleaseMs: 40,
    /** From the end of Retry-After to the probe. */
    stormSilenceOverRetryAfterMs: 1500,
    closeKeysetPageMedianMs: 50,
    closeKeysetPageSlowestMs: 250,
    virtuousKeysetPageSlowestMs: 1000,
  },
  /** A SIGKILLed worker's ranges and what killing workers costs (`--only liveness`, issue 23). */
  liveness: {
    /** Median, from the SIGKILL to the dead worker's range being active under another worker ("within about 2 s"). */
    handoverMedianMs: 2000,
    /** Wall time of the export with the oldest of 3 workers killed every 3 s, at most this many times the same export's without kills. */
    killsWallRatio: 2,
  },
  /** Many accounts on one fleet (`--only accounts`, issue 24). */
  accounts: {
    /** Each small account's export started beside a large one: wall time at most this many times its own minimum alone. */
    smallWallRatio: 1.25,
    /** The large account's export: at most this many times its own minimum alone. */
    largeWallRatio: 1.03,
    /** Peak RSS of each worker with hundreds of accounts' exports. */
    workerPeakRssMb: 300,
  },
};

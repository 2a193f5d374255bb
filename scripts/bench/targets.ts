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
};

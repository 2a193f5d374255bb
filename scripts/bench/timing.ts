// Reaction times of a fleet on one shared budget (at a window's reset, after a 429 storm) and the
// simulators' page latency on large data sets: milliseconds, which only a quiet machine measures, so
// they are printed and judged here rather than asserted in `npm test` (whose tests check the order of
// the same events).
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startCloseSimulator } from '../../simulators/close/index.js';
import { startVirtuousSimulator } from '../../simulators/virtuous/index.js';
import { RATE_WINDOW_ALIGNMENTS, type RateWindowAlignment } from '../../simulators/virtuous/rate-window.js';
import {
  startBoundaryFleet,
  watchBoundaries,
  watchStorm,
  type BoundaryApi,
  type BoundaryShape,
} from '../../test/ratelimit/support/boundary-fleet.js';
import { contactQuery, fieldCondition, onOrAfter, regular, search, sortBy } from '../../test/simulator/close/close-client.js';
import { ids, keysetBody, queryContacts } from '../../test/simulator/simulator-client.js';

/** 20 requests per second, 8 workers, 150 ms pages: the fleet can send 2.7 times the allowance, so the reset, not the pages, sets its pace. */
export const TIMING_SHAPE: BoundaryShape = { limit: 20, windowMs: 1000, pageMs: 150, workers: 8 };
const WINDOWS = 4;

export interface BoundaryTiming {
  api: BoundaryApi;
  alignment: RateWindowAlignment;
  /** Per boundary: ms from the reset the headers gave to the next window's first request, and to its last worker's. */
  firstMs: number[];
  allMs: number[];
  refused: number;
  error?: string;
}

export interface StormTiming {
  refusals: number;
  retryAfterMs: number;
  /** Latest 429 after the first one's answer, ms (the requests already on their way). */
  lastRefusedAfterMs: number;
  /** From the end of Retry-After to the probe's arrival, ms. */
  silenceOverRetryAfterMs: number;
  /** From the probe's answer to each other worker's next request, ms. */
  releasedMs: number[];
  error?: string;
}

export interface PageLatency {
  label: string;
  contacts: number;
  pages: number;
  medianMs: number;
  slowestMs: number;
}

export interface TimingResult {
  shape: BoundaryShape;
  boundaries: BoundaryTiming[];
  storm?: StormTiming;
  pages: PageLatency[];
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function withFleetRedis<T>(redisUrl: string, work: (connections: Redis[], prefix: string) => Promise<T>): Promise<T> {
  const connections = [new Redis(redisUrl), new Redis(redisUrl)];
  const prefix = `{bench-timing-${randomBytes(4).toString('hex')}}`;
  try {
    return await work(connections, prefix);
  } finally {
    const [commands] = connections;
    const keys = await commands!.keys(`${prefix}:*`);
    if (keys.length > 0) await commands!.unlink(...keys);
    for (const connection of connections) connection.disconnect();
  }
}

async function boundaryTiming(redisUrl: string, api: BoundaryApi, alignment: RateWindowAlignment): Promise<BoundaryTiming> {
  return withFleetRedis(redisUrl, async (connections, prefix) => {
    const fleet = await startBoundaryFleet({ api, alignment, shape: TIMING_SHAPE, connections, prefix });
    try {
      const run = await watchBoundaries(fleet, WINDOWS, 60_000);
      return {
        api,
        alignment,
        firstMs: run.boundaries.map((boundary) => boundary.firstMs),
        allMs: run.boundaries.map((boundary) => boundary.allMs),
        refused: run.refused,
      };
    } catch (error) {
      return { api, alignment, firstMs: [], allMs: [], refused: 0, error: String(error) };
    } finally {
      await fleet.close();
    }
  });
}

async function stormTiming(redisUrl: string): Promise<StormTiming> {
  return withFleetRedis(redisUrl, async (connections, prefix) => {
    const fleet = await startBoundaryFleet({ api: 'Virtuous', alignment: 'clock', shape: TIMING_SHAPE, connections, prefix });
    try {
      const storm = await watchStorm(fleet);
      return {
        refusals: storm.refusals.length,
        retryAfterMs: storm.retryAfterMs,
        lastRefusedAfterMs: Math.max(...storm.refusedAfterMs),
        silenceOverRetryAfterMs: storm.silenceMs - storm.retryAfterMs,
        releasedMs: storm.released.map((record) => record.arrivedAt - storm.probe.answeredAt!),
      };
    } finally {
      await fleet.close();
    }
  });
}

/** Close: keyset pages (moment_range + sort date_created + _limit 200) at 20 places in 100,000 contacts, after one unmeasured page. */
async function closeKeysetPages(): Promise<PageLatency> {
  const contacts = 100_000;
  const sim = await startCloseSimulator({ contacts, sharedTimestamp: { count: 500 } });
  try {
    const expected = sim.expectedIds();
    const page = async (position: number) => {
      const since = sim.contact(expected[position]!)!['date_created'] as string;
      const started = performance.now();
      const response = await search(sim, {
        query: contactQuery(fieldCondition(regular('date_created'), onOrAfter(since))),
        sort: sortBy('date_created'),
        _limit: 200,
        _fields: { contact: ['id', 'name', 'emails', 'date_created', 'custom'] },
        include_counts: true,
      });
      const elapsed = performance.now() - started;
      if (response.status !== 200 || response.json.data.length !== 200) throw new Error(`Close keyset page: HTTP ${response.status}`);
      return elapsed;
    };
    await page(10);
    const times: number[] = [];
    for (let k = 1; k <= 20; k++) times.push(await page(k * 4_750));
    return {
      label: 'Close: moment_range + sort date_created, _limit 200',
      contacts,
      pages: times.length,
      medianMs: median(times),
      slowestMs: Math.max(...times),
    };
  } finally {
    await sim.close();
  }
}

/** Virtuous: keyset pages (take 1000) deep in the id space of 1,000,000 contacts, after one unmeasured page. */
async function virtuousKeysetPages(): Promise<PageLatency> {
  const contacts = 1_000_000;
  const sim = await startVirtuousSimulator({ contacts });
  try {
    const [top] = ids(await queryContacts(sim, { sortBy: 'Id', descending: true, includeArchived: true }, { take: 1 }));
    await queryContacts(sim, keysetBody(1_000, 2_000_000), { take: 1000 });
    const times: number[] = [];
    for (const after of [1_500_000, 2_400_000, 2_999_000 - 3_000]) {
      const started = performance.now();
      const response = await queryContacts(sim, keysetBody(after, top!), { take: 1000 });
      times.push(performance.now() - started);
      if (response.status !== 200 || response.json.list.length !== 1000) throw new Error(`Virtuous keyset page: HTTP ${response.status}`);
    }
    return { label: 'Virtuous: id keyset, take 1000', contacts, pages: times.length, medianMs: median(times), slowestMs: Math.max(...times) };
  } finally {
    await sim.close();
  }
}

export async function runTiming(redisUrl: string, progress: (text: string) => void): Promise<TimingResult> {
  const { limit, windowMs, pageMs, workers } = TIMING_SHAPE;
  const result: TimingResult = { shape: TIMING_SHAPE, boundaries: [], pages: [] };
  for (const api of ['Virtuous', 'Close'] as const) {
    for (const alignment of RATE_WINDOW_ALIGNMENTS) {
      progress(`timing: ${api}, ${alignment} windows, ${workers} workers on ${limit} requests per ${windowMs} ms, ${pageMs} ms pages`);
      result.boundaries.push(await boundaryTiming(redisUrl, api, alignment));
    }
  }
  progress('timing: a 429 storm of 1.5 s under the same fleet (Virtuous)');
  result.storm = await stormTiming(redisUrl).catch((error: unknown) => ({
    refusals: 0,
    retryAfterMs: 0,
    lastRefusedAfterMs: NaN,
    silenceOverRetryAfterMs: NaN,
    releasedMs: [],
    error: String(error),
  }));
  progress('timing: simulator keyset pages on 100k (Close) and 1M (Virtuous) contacts');
  result.pages.push(await closeKeysetPages(), await virtuousKeysetPages());
  return result;
}

import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SourceSpec } from '../../src/queue/export-spec.js';
import type { RequestBudget } from '../../src/ratelimit/request-budget.js';
import { CloseClient } from '../../src/sources/close/close-client.js';
import { windowQuery } from '../../src/sources/close/close-query.js';
import { DEFAULT_CLOSE_SETTINGS } from '../../src/sources/close/close-source.js';
import { budgetForExport } from '../../src/sources/export-budget.js';
import { credentialFingerprint } from '../../src/sources/credential-fingerprint.js';
import { keysetQuery } from '../../src/sources/virtuous/keyset-query.js';
import { VirtuousClient } from '../../src/sources/virtuous/virtuous-client.js';
import { DEFAULT_VIRTUOUS_SETTINGS } from '../../src/sources/virtuous/virtuous-source.js';
import { startCloseSimulator, type CloseSimulator } from '../../simulators/close/index.js';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/virtuous/index.js';
import { RATE_WINDOW_ALIGNMENTS } from '../../simulators/virtuous/rate-window.js';
import { CONTACT_ID_KEYSET } from '../support/virtuous-keyset.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';
import { preciseNow, startRecordingProxy, type ProxiedRequest, type RecordingProxy } from './support/recording-proxy.js';

const LIMIT = 20;
const WINDOW_MS = 1000;
/** How long the server takes to answer a page, after counting the request on arrival. */
const PAGE_MS = 150;
const WORKERS = 8;

/** Accepted requests of one server window, in order of arrival, and when the headers said it ends (wall clock). */
interface ServerWindow {
  endsAt: number;
  accepted: ProxiedRequest[];
}

/** One boundary between a spent window and the next, from the end its headers gave. */
interface Boundary {
  /** Until the next window's first request arrived. */
  firstMs: number;
  /** Until its WORKERS-th arrived (every worker busy again). */
  allMs: number;
  /** Requests of the next window that arrived before its first one was answered. */
  beforeFirstAnswer: number;
}

/**
 * What happens at the boundary between two server windows, seen from the server side (a recording
 * proxy in front of a simulator, holding each answer PAGE_MS): a fleet of clients on one shared budget
 * spends each window, then must send the next window's first requests as soon as the reset the
 * headers gave has passed, all at once rather than one probe and then the rest after its answer.
 */
describe('the fleet at a window boundary', () => {
  let url: string;
  const connections: Redis[] = [];
  const prefixes: string[] = [];
  let closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    url = (await testRedis()).url;
    connections.push(new Redis(url), new Redis(url));
  });

  afterEach(async () => {
    for (const close of closers.reverse()) await close();
    closers = [];
  });

  afterAll(async () => {
    await Promise.all(prefixes.map((prefix) => dropPrefix(url, prefix)));
    for (const connection of connections) connection.disconnect();
  });

  /** The budgets the workers would share for this source and credential, on two connections and a fresh prefix. */
  function budgets(source: SourceSpec): RequestBudget[] {
    const prefix = uniquePrefix('boundary');
    prefixes.push(prefix);
    return Array.from({ length: WORKERS }, (_, index) =>
      budgetForExport(connections[index % connections.length]!, prefix, { source, rateLimit: { requests: LIMIT, windowMs: WINDOW_MS } }),
    );
  }

  async function virtuousFleet(alignment: (typeof RATE_WINDOW_ALIGNMENTS)[number]) {
    const simulator: VirtuousSimulator = await startVirtuousSimulator({ contacts: 200, rateLimit: { limit: LIMIT, windowMs: WINDOW_MS, alignment } });
    closers.push(() => simulator.close());
    const proxy = await startRecordingProxy(simulator.url, undefined, { answerDelayMs: PAGE_MS });
    closers.push(() => proxy.close());
    const source: SourceSpec = {
      kind: 'virtuous',
      baseUrl: proxy.url,
      credentialVariable: 'VIRTUOUS_API_TOKEN',
      credentialFingerprint: credentialFingerprint(simulator.token),
      settings: { ...DEFAULT_VIRTUOUS_SETTINGS, idKeyset: CONTACT_ID_KEYSET },
    };
    const body = keysetQuery({ keyset: CONTACT_ID_KEYSET, afterId: null, upToId: null, includeArchived: false, sortBy: 'Id' });
    const workers = budgets(source).map((budget) => {
      const client = new VirtuousClient({ baseUrl: proxy.url, token: simulator.token, budget });
      return (signal: AbortSignal) => client.query(body, { take: 10, fullContact: false }, signal);
    });
    return { simulator, proxy, workers };
  }

  async function closeFleet(alignment: (typeof RATE_WINDOW_ALIGNMENTS)[number]) {
    // Close's reset is relative ("seconds from now"): the simulator counts the request and writes the
    // header after the page's latency, when it answers, so the header is not held back on its way.
    const simulator: CloseSimulator = await startCloseSimulator({
      contacts: 200,
      rateLimit: { limit: LIMIT, windowMs: WINDOW_MS, alignment },
      faults: { latencyMs: PAGE_MS },
    });
    closers.push(() => simulator.close());
    const proxy = await startRecordingProxy(simulator.url);
    closers.push(() => proxy.close());
    const baseUrl = `${proxy.url}${new URL(simulator.url).pathname}`;
    const source: SourceSpec = {
      kind: 'close',
      baseUrl,
      credentialVariable: 'CLOSE_API_KEY',
      credentialFingerprint: credentialFingerprint(simulator.apiKey),
      settings: { ...DEFAULT_CLOSE_SETTINGS },
    };
    const query = windowQuery({ onOrAfter: null, before: null, userQuery: null });
    const workers = budgets(source).map((budget) => {
      const client = new CloseClient({ baseUrl, apiKey: simulator.apiKey, budget });
      return (signal: AbortSignal) => client.search({ query, _limit: 1 }, signal);
    });
    return { simulator, proxy, workers };
  }

  /** Each worker sends a request after the other until `signal` aborts. */
  function runLoops(workers: ((signal: AbortSignal) => Promise<unknown>)[], signal: AbortSignal): Promise<void[]> {
    return Promise.all(
      workers.map(async (send) => {
        while (!signal.aborted) {
          try {
            await send(signal);
          } catch (error) {
            if (signal.aborted) return;
            throw error;
          }
        }
      }),
    );
  }

  /** Virtuous: windows told apart by X-RateLimit-Reset (Unix seconds), which is also when each ends. */
  function virtuousWindows(records: ProxiedRequest[]): ServerWindow[] {
    const byReset = new Map<number, ProxiedRequest[]>();
    for (const record of records) {
      const reset = Number(record.headers?.get('x-ratelimit-reset'));
      if (record.status === 200 && reset) byReset.set(reset, [...(byReset.get(reset) ?? []), record]);
    }
    return [...byReset.entries()]
      .sort(([a], [b]) => a - b)
      .map(([reset, accepted]) => ({ endsAt: reset * 1000, accepted: accepted.sort((a, b) => a.arrivedAt - b.arrivedAt) }));
  }

  /**
   * Close: `RateLimit: ... reset=S` is S seconds from when the server answered (PAGE_MS after the
   * request's arrival; the proxy passes the answer on within a millisecond or two), so each answer
   * tells its window's end; answers whose ends agree within 100 ms are one window.
   */
  function closeWindows(records: ProxiedRequest[], wallMinusPrecise: number): ServerWindow[] {
    const accepted = records.filter((record) => record.status === 200).sort((a, b) => a.arrivedAt - b.arrivedAt);
    const windows: ServerWindow[] = [];
    for (const record of accepted) {
      const reset = Number(/reset=([0-9.]+)/.exec(record.headers?.get('ratelimit') ?? '')?.[1]);
      const endsAt = record.answeredAt! + wallMinusPrecise + reset * 1000;
      const last = windows.at(-1);
      if (last && Math.abs(last.endsAt - endsAt) < 100) last.accepted.push(record);
      else windows.push({ endsAt, accepted: [record] });
    }
    return windows;
  }

  /** The boundaries after each spent window among the first four. */
  function boundaries(windows: ServerWindow[], wallMinusPrecise: number): Boundary[] {
    return windows.slice(0, 4).flatMap((window, index) => {
      if (window.accepted.length < LIMIT) return [];
      const next = windows[index + 1]!.accepted;
      const first = next[0]!;
      return [
        {
          firstMs: first.arrivedAt + wallMinusPrecise - window.endsAt,
          allMs: next[WORKERS - 1]!.arrivedAt + wallMinusPrecise - window.endsAt,
          beforeFirstAnswer: next.filter((record) => record.arrivedAt < first.answeredAt!).length,
        },
      ];
    });
  }

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

  for (const api of ['Virtuous', 'Close'] as const) {
    for (const alignment of RATE_WINDOW_ALIGNMENTS) {
      it(`${api}, ${alignment} windows: the next window's first ${WORKERS} requests go out together at the reset the headers gave`, async () => {
        const { proxy, workers } = api === 'Virtuous' ? await virtuousFleet(alignment) : await closeFleet(alignment);
        // The proxy's times are on the monotonic clock; resets are on the wall clock.
        const wallMinusPrecise = Date.now() - preciseNow();
        const windowsOf = (records: ProxiedRequest[]) => (api === 'Virtuous' ? virtuousWindows(records) : closeWindows(records, wallMinusPrecise));
        const stop = new AbortController();
        const loops = runLoops(workers, stop.signal);
        // Four windows and the first WORKERS requests of a fifth, all answered.
        await proxy.waitFor((_, all) => {
          const seen = windowsOf(all);
          return seen.length >= 5 && seen[4]!.accepted.length >= WORKERS;
        });
        stop.abort();
        await loops;

        const seen = windowsOf(proxy.records);
        const refused = proxy.records.filter((record) => record.status === 429).length;
        const measured = boundaries(seen, wallMinusPrecise);
        console.info(
          `[boundary ${api} ${alignment}, ${LIMIT}/${WINDOW_MS} ms, ${WORKERS} workers, ${PAGE_MS} ms pages] ms from the reset ` +
            `to the next window's first request: ${list(measured.map((b) => b.firstMs))}; to its ${WORKERS}th: ` +
            `${list(measured.map((b) => b.allMs))}; sent before the first one's answer: ` +
            `${measured.map((b) => b.beforeFirstAnswer).join(', ')}; accepted per window: ${seen.map((w) => w.accepted.length).join(', ')}; 429s: ${refused}`,
        );

        expect(refused).toBe(0);
        expect(measured.length).toBeGreaterThanOrEqual(2);
        for (const boundary of measured) {
          // Never before the reset (the conversion of a reset errs late; Close's end is read a hop late)...
          expect(boundary.firstMs).toBeGreaterThanOrEqual(api === 'Virtuous' ? -1 : -5);
          // ...and every worker's request goes out at once: none waits for a probe's answer.
          expect(boundary.beforeFirstAnswer).toBeGreaterThanOrEqual(WORKERS);
        }
        // Within a few ms of the reset (the median, so that one stall of the machine does not decide; the file
        // runs alone, after every other, see vitest.config.ts).
        expect(median(measured.map((b) => b.firstMs))).toBeLessThan(30);
        expect(median(measured.map((b) => b.allMs))).toBeLessThan(60);
        for (const window of seen) expect(window.accepted.length).toBeLessThanOrEqual(LIMIT);
      });
    }
  }

  it('after a 429 still pauses everyone for Retry-After, then one probe goes first and its answer releases the rest', async () => {
    const { simulator, proxy, workers } = await virtuousFleet('clock');
    const stop = new AbortController();
    const loops = runLoops(workers, stop.signal);
    // The fleet is under way; then the server refuses everything for 1.5 s.
    await proxy.waitFor((_, all) => all.filter((record) => record.status === 200).length >= LIMIT);
    simulator.serve429Storm(1500);
    const refusal = await proxy.waitFor((record) => record.status === 429);
    const retryAfterMs = Number(refusal.headers!.get('retry-after')) * 1000;
    // Back: the probe, and then the window's allowance.
    await proxy.waitFor((_, all) => all.filter((record) => record.status === 200 && record.arrivedAt > refusal.answeredAt!).length >= WORKERS + 1);
    stop.abort();
    await loops;

    const refusals = proxy.records.filter((record) => record.status === 429).sort((a, b) => a.arrivedAt - b.arrivedAt);
    const after = proxy.records.filter((record) => record.arrivedAt > refusals.at(-1)!.arrivedAt).sort((a, b) => a.arrivedAt - b.arrivedAt);
    const probe = after[0]!;
    const beforeProbeAnswer = after.filter((record) => record.arrivedAt < probe.answeredAt!).length;
    const released = after.filter((record) => record.arrivedAt >= probe.answeredAt!).slice(0, WORKERS - beforeProbeAnswer);
    const silenceMs = probe.arrivedAt - refusal.answeredAt!;
    console.info(
      `[429 storm] 429s: ${refusals.length}; first request ${silenceMs.toFixed(1)} ms after the first 429 ` +
        `(Retry-After ${retryAfterMs} ms); sent before the probe's answer: ${beforeProbeAnswer}; the other workers ` +
        `${list(released.map((record) => record.arrivedAt - probe.answeredAt!))} ms after it`,
    );
    // Only requests on their way before the first 429 reached its client met the storm: one per worker at most.
    for (const record of refusals) expect(record.arrivedAt - refusal.answeredAt!).toBeLessThan(20);
    expect(refusals.length).toBeLessThanOrEqual(WORKERS);
    expect(silenceMs).toBeGreaterThanOrEqual(retryAfterMs);
    expect(probe.status).toBe(200);
    // One probe goes first; until its answer no more than the refill's pace (one per WINDOW_MS / LIMIT) follows it.
    expect(beforeProbeAnswer).toBeLessThanOrEqual(1 + Math.ceil(PAGE_MS / (WINDOW_MS / LIMIT)));
    for (const [index, record] of after.slice(1, beforeProbeAnswer).entries()) {
      expect(record.arrivedAt - probe.arrivedAt).toBeGreaterThanOrEqual((index + 1) * (WINDOW_MS / LIMIT) - 5);
    }
    // Its answer lets the other workers out at once (within a recheck of the shared state).
    expect(released).toHaveLength(WORKERS - beforeProbeAnswer);
    expect(median(released.map((record) => record.arrivedAt - probe.answeredAt!))).toBeLessThan(40);
  });
});

function list(values: number[]): string {
  return values.map((value) => value.toFixed(1)).join(', ');
}

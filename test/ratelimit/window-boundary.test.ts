import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RATE_WINDOW_ALIGNMENTS } from '../../simulators/virtuous/rate-window.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';
import {
  startBoundaryFleet,
  watchBoundaries,
  watchStorm,
  type BoundaryApi,
  type BoundaryFleet,
  type BoundaryShape,
} from './support/boundary-fleet.js';

/**
 * Roomy enough that a busy machine keeps the order of events: the fleet could send 2.5 times the
 * window's allowance (8 workers, 400 ms pages: 20 per second against 8), and the next window's 8 requests
 * have a page's 400 ms to go out before the first of them is answered. The bench runs the tight shape.
 */
const SHAPE: BoundaryShape = { limit: 16, windowMs: 2000, pageMs: 400, workers: 8 };
const { limit: LIMIT, windowMs: WINDOW_MS, pageMs: PAGE_MS, workers: WORKERS } = SHAPE;
/** Windows watched; the boundaries after the spent ones among them are checked. */
const WINDOWS = 4;
/** How long a run may take before it stops with what it saw (a guard; about 9 s on a quiet machine). */
const GUARD_MS = 60_000;

/**
 * What happens at the boundary between two server windows, seen from the server side (a recording
 * proxy in front of a simulator, holding each answer PAGE_MS): a fleet of clients on one shared budget
 * spends each window, then must send the next window's first requests once the reset the headers gave
 * has passed, all at once rather than one probe and then the rest after its answer. These are checked
 * as the order of events; how many milliseconds the fleet takes after a reset or an answer is measured
 * by `npm run bench -- --only timing`, where a busy machine cannot turn a test red.
 */
describe('the fleet at a window boundary', () => {
  let url: string;
  const connections: Redis[] = [];
  const prefixes: string[] = [];
  let fleet: BoundaryFleet | undefined;

  beforeAll(async () => {
    url = (await testRedis()).url;
    connections.push(new Redis(url), new Redis(url));
  });

  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  afterAll(async () => {
    await Promise.all(prefixes.map((prefix) => dropPrefix(url, prefix)));
    for (const connection of connections) connection.disconnect();
  });

  async function startFleet(api: BoundaryApi, alignment: (typeof RATE_WINDOW_ALIGNMENTS)[number]): Promise<BoundaryFleet> {
    const prefix = uniquePrefix('boundary');
    prefixes.push(prefix);
    fleet = await startBoundaryFleet({ api, alignment, shape: SHAPE, connections, prefix });
    return fleet;
  }

  for (const api of ['Virtuous', 'Close'] as const) {
    for (const alignment of RATE_WINDOW_ALIGNMENTS) {
      it(`${api}, ${alignment} windows: the next window's first ${WORKERS} requests go out together once the reset the headers gave has passed`, async () => {
        const { windows, refused, boundaries } = await watchBoundaries(await startFleet(api, alignment), WINDOWS, GUARD_MS);
        console.info(
          `[boundary ${api} ${alignment}, ${LIMIT}/${WINDOW_MS} ms, ${WORKERS} workers, ${PAGE_MS} ms pages] ms from the reset ` +
            `to the next window's first request: ${list(boundaries.map((b) => b.firstMs))}; to its ${WORKERS}th: ` +
            `${list(boundaries.map((b) => b.allMs))}; sent before the first one's answer: ` +
            `${boundaries.map((b) => b.beforeFirstAnswer).join(', ')}; accepted per window: ${windows.map((w) => w.accepted.length).join(', ')}; 429s: ${refused}`,
        );

        // Never before the reset: the server refused nothing (a request it counted in the spent window would
        // be a 429), and Virtuous's absolute reset shows it on the proxy's clock too (Close's end is read a hop late).
        expect(refused).toBe(0);
        expect(boundaries.length).toBeGreaterThanOrEqual(2);
        for (const boundary of boundaries) {
          if (api === 'Virtuous') expect(boundary.firstMs).toBeGreaterThanOrEqual(-1);
          // Every worker's request goes out at once: none waits for a probe's answer.
          expect(boundary.beforeFirstAnswer).toBeGreaterThanOrEqual(WORKERS);
        }
        for (const window of windows) expect(window.accepted.length).toBeLessThanOrEqual(LIMIT);
      });
    }
  }

  it('after a 429 still pauses everyone for Retry-After, then one probe goes first and its answer releases the rest', async () => {
    const activeFleet = await startFleet('Virtuous', 'clock');
    const storm = await watchStorm(activeFleet);
    const { refusals, probe, beforeProbeAnswer, released, silenceMs, retryAfterMs } = storm;
    console.info(
      `[429 storm] 429s: ${refusals.length}; first request ${silenceMs.toFixed(1)} ms after the first 429 ` +
        `(Retry-After ${retryAfterMs} ms); sent before the probe's answer: ${1 + beforeProbeAnswer.length}; the other workers ` +
        `${list(released.map((record) => record.arrivedAt - probe.answeredAt!))} ms after it`,
    );
    // Only requests on their way before the first 429 reached its client met the storm: one per worker at
    // most, and once a client stored the pause, no worker's next acquire was granted before it ended.
    expect(refusals.length).toBeLessThanOrEqual(WORKERS);
    const { acquires, pauses } = activeFleet.budgetLog;
    expect(pauses.length).toBeGreaterThanOrEqual(1);
    const pause = pauses[0]!;
    for (const acquire of acquires.filter((call) => call.calledAt > pause.storedAt)) {
      expect(acquire.grantedAt ?? Infinity).toBeGreaterThanOrEqual(pause.untilMs);
    }
    expect(silenceMs).toBeGreaterThanOrEqual(retryAfterMs);
    expect(probe.status).toBe(200);
    // One probe goes first; until its answer no more follow it than the refill allows over that time (one per
    // WINDOW_MS / LIMIT), and one more: a busy machine may deliver the probe itself late. Released at once on the
    // probe instead of on its answer, the other workers would all be here.
    const refillMs = WINDOW_MS / LIMIT;
    expect(beforeProbeAnswer.length).toBeLessThanOrEqual(Math.floor((probe.answeredAt! - probe.arrivedAt) / refillMs) + 1);
    expect(beforeProbeAnswer.length).toBeLessThan(WORKERS - 1);
    // Its answer lets the other workers out together: all of them before the first of them is answered.
    expect(released).toHaveLength(WORKERS - 1 - beforeProbeAnswer.length);
    for (const record of released) expect(record.arrivedAt).toBeLessThan(released[0]!.answeredAt!);
  });
});

function list(values: number[]): string {
  return values.map((value) => value.toFixed(1)).join(', ');
}

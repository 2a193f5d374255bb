// The API-bound scenario's budget and page latency, Virtuous's shrunk in time, and the physical minimum
// an export's wall time is judged against.
import type { RateWindowAlignment } from '../../simulators/virtuous/rate-window.js';
import { minimumPages } from './request-classes.js';

/** Virtuous: 5,000 requests per hour per organization, FullContact pages of 1,000 taking about 2 s. */
export const VIRTUOUS_REAL = { requests: 5000, windowMs: 3_600_000, pageLatencyMs: 2000 };

/**
 * Requests in flight that keep Virtuous's budget spent: rate × latency = 5,000/h × 2 s ≈ 2.8. The bench
 * keeps this product, so a fleet needs as many requests in flight to saturate the budget as it would
 * against the real API.
 */
export const SATURATING_IN_FLIGHT = (VIRTUOUS_REAL.requests * VIRTUOUS_REAL.pageLatencyMs) / VIRTUOUS_REAL.windowMs;

/**
 * The most pages per second a fleet may ask of the bench machine at its busiest (every request in flight:
 * in flight ÷ page latency). The API's CPU is not ours, but the simulator's is, and it shares two cores
 * with the workers: a page of 1,000 abbreviated contacts costs about 40 ms of CPU in all with one worker
 * and 65 ms with eight (simulator, workers, s3rver, Redis), so 20 pages/s keep the cores about half busy.
 * A fleet with more in flight runs with time shrunk less (see `apiBoundBudget`), as its pages would
 * otherwise wait on the bench's CPU, which the real API's latency leaves idle.
 */
export const BUSIEST_PAGES_PER_SECOND = 20;

export interface ApiBoundShape {
  contacts: number;
  pageSize: number;
  /** Server windows the export's pages fill. */
  windows: number;
  /**
   * The shortest page latency (time shrunk the most). A worker's own time per page (parsing, Redis round
   * trips, encoding: 10–20 ms) does not shrink with the time scale: against Virtuous's 2 s pages it is 1% of
   * a request's cycle, against 400 ms pages 5%, against 163 ms (12x) a tenth.
   */
  minPageLatencyMs: number;
  /** Room left in the last window for extra requests, as a share of the pages (the requests target). */
  requestMargin: number;
}

export interface ApiBoundBudget {
  /** Requests per window, on the simulator and in `--rate-limit`. */
  limit: number;
  windowMs: number;
  /** Latency of every data page. */
  pageLatencyMs: number;
  /** ceil(rows ÷ page size): the fewest requests that carry the rows. */
  pages: number;
  /** The budget's rate against Virtuous's (time runs this much faster in the bench). */
  timeScale: number;
  /** Latency × rate: requests in flight that saturate the budget. */
  saturatingInFlight: number;
}

/**
 * The budget for a client with `inFlight` requests in flight. The window holds enough requests for the
 * pages to fill `windows` windows less `requestMargin` of the pages: an exporter whose extra requests stay
 * within the requests target finishes in as many windows as the pages need, and one that sends more pays
 * a whole window, as it would against the real API whenever its extra requests cross a window boundary.
 * The latency keeps rate × latency at Virtuous's; it is `minPageLatencyMs`, or longer where `inFlight` ÷
 * latency would exceed BUSIEST_PAGES_PER_SECOND, and the window follows (whole seconds): time is shrunk
 * less for that client, everything else stays.
 */
export function apiBoundBudget(shape: ApiBoundShape, inFlight: number): ApiBoundBudget {
  const pages = minimumPages(shape.contacts, shape.pageSize);
  const limit = Math.ceil((pages * (1 + shape.requestMargin)) / shape.windows);
  const latencyMs = Math.max(shape.minPageLatencyMs, (inFlight * 1000) / BUSIEST_PAGES_PER_SECOND);
  // latency = SATURATING_IN_FLIGHT × window ÷ limit
  const windowMs = Math.ceil((latencyMs * limit) / SATURATING_IN_FLIGHT / 1000) * 1000;
  const ratePerMs = limit / windowMs;
  const pageLatencyMs = Math.round(SATURATING_IN_FLIGHT / ratePerMs);
  return {
    limit,
    windowMs,
    pageLatencyMs,
    pages,
    timeScale: ratePerMs / (VIRTUOUS_REAL.requests / VIRTUOUS_REAL.windowMs),
    saturatingInFlight: pageLatencyMs * ratePerMs,
  };
}

/** How long a request takes at the least to reach the server after it is sent (loopback). */
const ARRIVAL_MS = 1;

/**
 * The physical minimum: when the last of `pages` requests can be answered at the earliest, by a client
 * that keeps `inFlight` requests going (Infinity: any number), each counted by the server as it arrives
 * (`ARRIVAL_MS` after it is sent) and answered `pageLatencyMs` after it was sent, against fixed windows
 * of `limit` requests placed by `alignment` (see the simulator's `RateWindowAlignment`), the first one
 * fresh at `startMs` (epoch ms). Once a window is spent, the next request goes at the reset its answers
 * reported, the window's end rounded up to a whole second as `X-RateLimit-Reset` gives it: no client
 * reading the headers can know it sooner. Against `first-request` windows that costs up to a second per
 * window, as the next window opens when its first request arrives and ends that much after a whole
 * second. The client is perfect otherwise: no planning, no time between an answer and the next request.
 * Also says in how many server windows that client's requests are counted.
 */
export function minimumSchedule(
  pages: number,
  inFlight: number,
  budget: Pick<ApiBoundBudget, 'limit' | 'windowMs' | 'pageLatencyMs'>,
  startMs = 0,
  alignment: RateWindowAlignment = 'first-request',
): { wallMs: number; windows: number } {
  const { limit, windowMs, pageLatencyMs } = budget;
  if (pages <= 0) return { wallMs: 0, windows: 0 };
  // Each slot sends its next request as soon as its previous answer is in; slots are taken in the order they free up.
  const slots = new Array<number>(Math.max(1, Math.min(pages, Number.isFinite(inFlight) ? Math.floor(inFlight) : pages))).fill(startMs);
  const reportedReset = (end: number) => Math.ceil(end / 1000) * 1000;
  const windowEndFor = (countedAt: number) => (alignment === 'clock' ? (Math.floor(countedAt / windowMs) + 1) * windowMs : countedAt + windowMs);
  // Nobody sends before this: the reset of the spent window.
  let notBefore = -Infinity;
  let windowEnd = -Infinity;
  let used = 0;
  let windows = 0;
  let last = startMs;
  for (let request = 0; request < pages; request++) {
    let slot = 0;
    for (let index = 1; index < slots.length; index++) if (slots[index]! < slots[slot]!) slot = index;
    let sentAt = Math.max(slots[slot]!, notBefore);
    if (sentAt + ARRIVAL_MS < windowEnd && used === limit) {
      notBefore = reportedReset(windowEnd);
      sentAt = Math.max(sentAt, notBefore);
    }
    if (sentAt + ARRIVAL_MS >= windowEnd) {
      windowEnd = windowEndFor(sentAt + ARRIVAL_MS);
      used = 0;
      windows++;
    }
    used++;
    slots[slot] = sentAt + pageLatencyMs;
    last = Math.max(last, slots[slot]!);
  }
  return { wallMs: last - startMs, windows };
}

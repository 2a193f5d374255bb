import type { Redis } from 'ioredis';
import type { SourceSpec } from '../../../src/queue/export-spec.js';
import type { RequestBudget } from '../../../src/ratelimit/request-budget.js';
import { CloseClient } from '../../../src/sources/close/close-client.js';
import { windowQuery } from '../../../src/sources/close/close-query.js';
import { DEFAULT_CLOSE_SETTINGS } from '../../../src/sources/close/close-source.js';
import { budgetForExport } from '../../../src/sources/export-budget.js';
import { credentialFingerprint } from '../../../src/sources/credential-fingerprint.js';
import { keysetQuery } from '../../../src/sources/virtuous/keyset-query.js';
import { VirtuousClient } from '../../../src/sources/virtuous/virtuous-client.js';
import { DEFAULT_VIRTUOUS_SETTINGS } from '../../../src/sources/virtuous/virtuous-source.js';
import { startCloseSimulator } from '../../../simulators/close/index.js';
import { startVirtuousSimulator } from '../../../simulators/virtuous/index.js';
import type { RateWindowAlignment } from '../../../simulators/virtuous/rate-window.js';
import { CONTACT_ID_KEYSET } from '../../support/virtuous-keyset.js';
import { newBudgetLog, recordingBudget, type BudgetLog } from './recording-budget.js';
import { preciseNow, startRecordingProxy, type ProxiedRequest, type RecordingProxy } from './recording-proxy.js';

/**
 * A fleet of clients on one shared budget against a simulator whose rate windows it spends, seen from the
 * server side (a recording proxy): what happens at the boundary between two windows, and after a 429
 * storm. `test/ratelimit/window-boundary.test.ts` checks the order of events; `npm run bench -- --only
 * timing` prints how many milliseconds they took.
 */
export interface BoundaryShape {
  /** Requests per server window, also the budget's `--rate-limit`. */
  limit: number;
  windowMs: number;
  /** How long the server takes to answer a page, after counting the request on arrival. */
  pageMs: number;
  /** Clients, each sending one request after the other; at most `limit`. */
  workers: number;
}

export type BoundaryApi = 'Virtuous' | 'Close';

type Send = (signal: AbortSignal) => Promise<unknown>;

export interface BoundaryFleet {
  api: BoundaryApi;
  shape: BoundaryShape;
  proxy: RecordingProxy;
  /** One per worker: sends one request through its client. */
  workers: Send[];
  /** Every acquire and pause the workers' budgets were asked for. */
  budgetLog: BudgetLog;
  /** Virtuous only: the server refuses every request for `ms` (answering 429 with a Retry-After). */
  serve429Storm?: (ms: number) => void;
  close(): Promise<void>;
}

/** Accepted requests of one server window, in order of arrival, and when the headers said it ends (wall clock). */
export interface ServerWindow {
  endsAt: number;
  accepted: ProxiedRequest[];
}

/** One boundary between a spent window and the next, from the end its headers gave. */
export interface Boundary {
  /** Until the next window's first request arrived. */
  firstMs: number;
  /** Until its `workers`-th arrived (every worker busy again). */
  allMs: number;
  /** Requests of the next window that arrived before its first one was answered. */
  beforeFirstAnswer: number;
}

export interface BoundaryRun {
  windows: ServerWindow[];
  refused: number;
  /** The boundaries after each spent window watched whose next window saw every worker. */
  boundaries: Boundary[];
}

export interface StormRun {
  /** The Retry-After of the first 429, ms. */
  retryAfterMs: number;
  /** Every 429, in order of arrival. */
  refusals: ProxiedRequest[];
  /** The first request after the last 429: the probe. */
  probe: ProxiedRequest;
  /** Requests after the probe that arrived before its answer, in order of arrival. */
  beforeProbeAnswer: ProxiedRequest[];
  /** The other workers' first requests after the probe's answer, in order of arrival. */
  released: ProxiedRequest[];
  /** From the first 429's answer to the probe's arrival, ms. */
  silenceMs: number;
  /** From the first 429's answer to the arrival of each later 429, ms. */
  refusedAfterMs: number[];
}

/** The budgets the workers would share for this source and credential, on the given connections and prefix. */
function budgets(shape: BoundaryShape, connections: Redis[], prefix: string, source: SourceSpec, log: BudgetLog): RequestBudget[] {
  const rateLimit = { requests: shape.limit, windowMs: shape.windowMs };
  return Array.from({ length: shape.workers }, (_, index) =>
    recordingBudget(budgetForExport(connections[index % connections.length]!, prefix, { source, rateLimit }), log),
  );
}

export async function startBoundaryFleet(options: {
  api: BoundaryApi;
  alignment: RateWindowAlignment;
  shape: BoundaryShape;
  connections: Redis[];
  prefix: string;
}): Promise<BoundaryFleet> {
  const { api, alignment, shape, connections, prefix } = options;
  const { limit, windowMs, pageMs } = shape;
  const budgetLog = newBudgetLog();
  if (api === 'Virtuous') {
    const simulator = await startVirtuousSimulator({ contacts: 200, rateLimit: { limit, windowMs, alignment } });
    const proxy = await startRecordingProxy(simulator.url, undefined, { answerDelayMs: pageMs });
    const source: SourceSpec = {
      kind: 'virtuous',
      baseUrl: proxy.url,
      credentialVariable: 'VIRTUOUS_API_TOKEN',
      credentialFingerprint: credentialFingerprint(simulator.token),
      settings: { ...DEFAULT_VIRTUOUS_SETTINGS, idKeyset: CONTACT_ID_KEYSET },
    };
    const body = keysetQuery({ keyset: CONTACT_ID_KEYSET, afterId: null, upToId: null, includeArchived: false, sortBy: 'Id' });
    const workers = budgets(shape, connections, prefix, source, budgetLog).map((budget) => {
      const client = new VirtuousClient({ baseUrl: proxy.url, token: simulator.token, budget });
      return (signal: AbortSignal) => client.query(body, { take: 10, full: false }, signal);
    });
    return {
      api,
      shape,
      proxy,
      workers,
      budgetLog,
      serve429Storm: (ms) => simulator.serve429Storm(ms),
      close: async () => {
        await proxy.close();
        await simulator.close();
      },
    };
  }
  // Close's reset is relative ("seconds from now"): the simulator counts the request and writes the
  // header after the page's latency, when it answers, so the header is not held back on its way.
  const simulator = await startCloseSimulator({ contacts: 200, rateLimit: { limit, windowMs, alignment }, faults: { latencyMs: pageMs } });
  const proxy = await startRecordingProxy(simulator.url);
  const baseUrl = `${proxy.url}${new URL(simulator.url).pathname}`;
  const source: SourceSpec = {
    kind: 'close',
    baseUrl,
    credentialVariable: 'CLOSE_API_KEY',
    credentialFingerprint: credentialFingerprint(simulator.apiKey),
    settings: { ...DEFAULT_CLOSE_SETTINGS },
  };
  const query = windowQuery({ onOrAfter: null, before: null, userQuery: null });
  const workers = budgets(shape, connections, prefix, source, budgetLog).map((budget) => {
    const client = new CloseClient({ baseUrl, apiKey: simulator.apiKey, budget });
    return (signal: AbortSignal) => client.search({ query, _limit: 1 }, signal);
  });
  return {
    api,
    shape,
    proxy,
    workers,
    budgetLog,
    close: async () => {
      await proxy.close();
      await simulator.close();
    },
  };
}

/** Each worker sends a request after the other until `signal` aborts. */
function runLoops(workers: Send[], signal: AbortSignal): Promise<void[]> {
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

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
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
 * Close: `RateLimit: ... reset=S` is S seconds from when the server answered (the page's latency after
 * the request's arrival), so each answer tells its window's end, read late by the hop to the proxy;
 * answers whose ends agree within half a window are one window, which ends at the earliest of them.
 */
function closeWindows(records: ProxiedRequest[], wallMinusPrecise: number, windowMs: number): ServerWindow[] {
  const accepted = records.filter((record) => record.status === 200).sort((a, b) => a.arrivedAt - b.arrivedAt);
  const windows: ServerWindow[] = [];
  for (const record of accepted) {
    const reset = Number(/reset=([0-9.]+)/.exec(record.headers?.get('ratelimit') ?? '')?.[1]);
    const endsAt = record.answeredAt! + wallMinusPrecise + reset * 1000;
    const last = windows.at(-1);
    if (last && Math.abs(last.endsAt - endsAt) < windowMs / 2) {
      last.accepted.push(record);
      last.endsAt = Math.min(last.endsAt, endsAt);
    } else windows.push({ endsAt, accepted: [record] });
  }
  return windows;
}

function boundariesOf(windows: ServerWindow[], wallMinusPrecise: number, shape: BoundaryShape): Boundary[] {
  return windows.slice(0, -1).flatMap((window, index) => {
    const next = windows[index + 1]!.accepted;
    if (window.accepted.length < shape.limit || next.length < shape.workers) return [];
    const first = next[0]!;
    return [
      {
        firstMs: first.arrivedAt + wallMinusPrecise - window.endsAt,
        allMs: next[shape.workers - 1]!.arrivedAt + wallMinusPrecise - window.endsAt,
        beforeFirstAnswer: next.filter((record) => record.arrivedAt < first.answeredAt!).length,
      },
    ];
  });
}

/**
 * Runs the fleet until `windows` server windows have passed and every worker sent a request in the next
 * one, or until `guardMs` passed (a guard against waiting forever, not a speed bound: the run then has
 * fewer boundaries).
 */
export async function watchBoundaries(fleet: BoundaryFleet, windows: number, guardMs: number): Promise<BoundaryRun> {
  const { shape } = fleet;
  // The proxy's times are on the monotonic clock; resets are on the wall clock.
  const wallMinusPrecise = Date.now() - preciseNow();
  const windowsOf = (records: ProxiedRequest[]) =>
    fleet.api === 'Virtuous' ? virtuousWindows(records) : closeWindows(records, wallMinusPrecise, shape.windowMs);
  const stop = new AbortController();
  const loops = runLoops(fleet.workers, stop.signal);
  await Promise.race([
    fleet.proxy.waitFor((_, all) => {
      const seen = windowsOf(all);
      return seen.length > windows && seen[windows]!.accepted.length >= shape.workers;
    }),
    aborted(AbortSignal.timeout(guardMs)),
  ]);
  stop.abort();
  await loops;
  const seen = windowsOf(fleet.proxy.records);
  return {
    windows: seen,
    refused: fleet.proxy.records.filter((record) => record.status === 429).length,
    boundaries: boundariesOf(seen.slice(0, windows + 1), wallMinusPrecise, shape),
  };
}

/** Lets the (Virtuous) fleet get under way, has the server refuse everything for 1.5 s, and runs until every worker is back. */
export async function watchStorm(fleet: BoundaryFleet): Promise<StormRun> {
  const { proxy } = fleet;
  const { limit, workers } = fleet.shape;
  const stop = new AbortController();
  const loops = runLoops(fleet.workers, stop.signal);
  await proxy.waitFor((_, all) => all.filter((record) => record.status === 200).length >= limit);
  fleet.serve429Storm!(1500);
  const firstRefusal = await proxy.waitFor((record) => record.status === 429);
  const retryAfterMs = Number(firstRefusal.headers!.get('retry-after')) * 1000;
  // Back: the probe, and then the window's allowance.
  await proxy.waitFor((_, all) => all.filter((record) => record.status === 200 && record.arrivedAt > firstRefusal.answeredAt!).length >= workers + 1);
  stop.abort();
  await loops;

  const byArrival = [...proxy.records].sort((a, b) => a.arrivedAt - b.arrivedAt);
  const refusals = byArrival.filter((record) => record.status === 429);
  const after = byArrival.filter((record) => record.arrivedAt > refusals.at(-1)!.arrivedAt);
  const probe = after[0]!;
  const beforeProbeAnswer = after.slice(1).filter((record) => record.arrivedAt < probe.answeredAt!);
  return {
    retryAfterMs,
    refusals,
    probe,
    beforeProbeAnswer,
    released: after.filter((record) => record.arrivedAt >= probe.answeredAt!).slice(0, workers - 1 - beforeProbeAnswer.length),
    silenceMs: probe.arrivedAt - firstRefusal.answeredAt!,
    refusedAfterMs: refusals.map((record) => record.arrivedAt - firstRefusal.answeredAt!),
  };
}

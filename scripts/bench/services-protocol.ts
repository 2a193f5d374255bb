// Messages between the benchmark and its services process (simulators + s3rver).
import type { FaultOptions, RateLimitOptions, VirtuousOrganizationOptions, VirtuousSimulatorStats } from '../../simulators/virtuous/index.js';

export interface SimulatorRequest {
  /** Contacts of the first organization ('default', answered by the simulator's `token`). */
  contacts: number;
  seed?: number;
  rateLimit?: RateLimitOptions;
  /** More organizations on the same server, each with its own tokens, contacts and rate window (the accounts section). */
  organizations?: VirtuousOrganizationOptions[];
  faults?: FaultOptions;
  /** Put a recording proxy in front: every answer's time, status and rate-limit window is kept. */
  record?: boolean;
  /**
   * With `record`: the proxy passes every request on at once (the simulator counts it against its budget
   * as it arrives, as an API's gateway does) and holds the answer of every data page (a contact query
   * with take > 1) this long before it goes back. Planning's take=1 probes and QueryOptions are answered
   * at once: on the real API they are small requests, and at real time scales their latency is lost in
   * hours of pages.
   */
  pageLatencyMs?: number;
  /** Answer repeated queries from the bytes first served (see VirtuousSimulatorOptions.replayCache). */
  replayCache?: boolean;
}

/** One answer as the recording proxy passed it back (times in ms, this host's clock). */
export interface AnswerRecord {
  /** When the request reached the proxy and was passed on: when the simulator counted it (epoch ms). */
  arrivedAt: number;
  /** When its answer went back (epoch ms). */
  at: number;
  status: number;
  /** `X-RateLimit-Reset` (Unix seconds): it names the server's fixed window the request was counted in. */
  reset: number | null;
  remaining: number | null;
  path: string;
  /** The request's `take` query parameter (contact queries), null when it had none. */
  take: number | null;
  /** The organization whose token the request carried (the first one's for none or an unknown token). */
  organization: string;
}

/** One organization's counters and the ids an export of it must hold (archived included, as `start` exports them). */
export interface OrganizationFigures {
  name: string;
  stats: VirtuousSimulatorStats;
}

export type ServicesCommand =
  | { cmd: 'simulator.start'; args: SimulatorRequest }
  | { cmd: 'simulator.faults'; args: { id: number; faults: FaultOptions } }
  | { cmd: 'simulator.stats'; args: { id: number } }
  | { cmd: 'simulator.records'; args: { id: number } }
  | { cmd: 'simulator.organizations'; args: { id: number } }
  | { cmd: 'simulator.expectedIds'; args: { id: number; organization: string } }
  | { cmd: 'simulator.close'; args: { id: number } }
  | { cmd: 's3.purge'; args: { key: string } }
  | { cmd: 'close'; args: Record<string, never> };

export interface StartedSimulator {
  id: number;
  url: string;
  token: string;
}

export interface ServicesReady {
  type: 'ready';
  bucket: string;
  s3Variables: Record<string, string>;
  s3Endpoint: string;
}

export interface ServicesReply {
  type: 'reply';
  requestId: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export type SimulatorStatsReply = VirtuousSimulatorStats;

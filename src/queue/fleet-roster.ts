import type { Redis } from 'ioredis';

/** How often a worker says it is alive. */
export const ROSTER_BEAT_MS = 400;
/**
 * A worker silent for this long is presumed dead: it is not counted by planning, and its jobs are handed
 * on (dead-worker-handover.ts). Four beats, so a worker whose event loop is held for a part's encoding
 * (well under a second) is not taken for dead; one that is anyway loses its jobs safely (the checkpoint's
 * compare-and-set and each attempt's own part objects keep two owners of a range apart).
 */
export const PRESUMED_DEAD_AFTER_MS = 1_600;

/** What a worker last said of itself. */
export interface RosterEntry {
  concurrency: number;
  /** Redis time of the last beat, in milliseconds. */
  at: number;
  /** The ids of its BullMQ workers: a job's lock token starts with the id of the worker that holds it. */
  lockOwners: string[];
}

/** A worker gone silent, with the entry as stored (to forget it only if it did not beat again since). */
export interface SilentWorker {
  workerId: string;
  entry: RosterEntry;
  stored: string;
}

/** Deletes a worker's entry only if it is still the one read: a worker that beat again in between stays. */
const FORGET_SCRIPT = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

/**
 * A beat in one round trip: stamps the worker's entry with Redis time and returns that time and every entry,
 * so that looking for dead workers costs nothing more.
 */
const BEAT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local entry = cjson.encode({ concurrency = tonumber(ARGV[2]), at = now, lockOwners = cjson.decode(ARGV[3]) })
redis.call('HSET', KEYS[1], ARGV[1], entry)
return { now, redis.call('HGETALL', KEYS[1]) }
`;

/** What a beat learns: its own Redis time, and the workers silent for longer than PRESUMED_DEAD_AFTER_MS. */
export interface BeatResult {
  at: number;
  silent: SilentWorker[];
}

/**
 * The workers running now: their slots (`--concurrency`), so that planning cuts as many ranges as the
 * fleet can work on at once, and the BullMQ workers each runs, so that a dead worker's jobs can be handed
 * on without waiting for their locks to lapse. One Redis hash, `<prefix>:fleet`: worker id -> entry
 * (`at` in Redis time, so the hosts' clocks do not matter).
 */
export class FleetRoster {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get key(): string {
    return `${this.prefix}:fleet`;
  }

  /** Says `workerId` is alive, and reads who else is. */
  async beat(workerId: string, concurrency: number, lockOwners: string[]): Promise<BeatResult> {
    const [at, flat] = (await this.redis.eval(BEAT_SCRIPT, 1, this.key, workerId, concurrency, JSON.stringify(lockOwners))) as [number, string[]];
    const entries: Record<string, string> = {};
    for (let index = 0; index < flat.length; index += 2) entries[flat[index]!] = flat[index + 1]!;
    return { at, silent: classify(entries, at).silent };
  }

  async leave(workerId: string): Promise<void> {
    await this.redis.hdel(this.key, workerId);
  }

  /** Slots of the workers alive now. */
  async slots(): Promise<number> {
    const { alive } = await this.read();
    return alive.reduce((slots, entry) => slots + entry.concurrency, 0);
  }

  /** Removes a silent worker once its jobs were handed on, unless it beat again meanwhile. */
  async forget(worker: SilentWorker): Promise<void> {
    await this.redis.eval(FORGET_SCRIPT, 1, this.key, worker.workerId, worker.stored);
  }

  private async read(): Promise<{ alive: RosterEntry[]; silent: SilentWorker[] }> {
    const [entries, now] = await Promise.all([this.redis.hgetall(this.key), this.now()]);
    return classify(entries, now);
  }

  private async now(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }
}

/** Alive or silent at `now`, by the entries' last beats. */
function classify(entries: Record<string, string>, now: number): { alive: RosterEntry[]; silent: SilentWorker[] } {
  const alive: RosterEntry[] = [];
  const silent: SilentWorker[] = [];
  for (const [workerId, stored] of Object.entries(entries)) {
    const entry = parseEntry(stored);
    if (now - entry.at > PRESUMED_DEAD_AFTER_MS) silent.push({ workerId, entry, stored });
    else alive.push(entry);
  }
  return { alive, silent };
}

/** Entries of workers older than `lockOwners` name none. */
function parseEntry(stored: string): RosterEntry {
  const entry = JSON.parse(stored) as Partial<RosterEntry> & { concurrency: number; at: number };
  return { concurrency: entry.concurrency, at: entry.at, lockOwners: Array.isArray(entry.lockOwners) ? entry.lockOwners : [] };
}

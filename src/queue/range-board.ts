import type { Redis } from 'ioredis';
import type { ExportRange } from '../planning/export-range.js';
import { endedAt, keySpanOf } from '../planning/key-span.js';

/**
 * Where each range of an export stands, for splitting a running range's unread part into a new range
 * (work stealing) without a row read twice or left out. One Redis hash per export, changed only by the
 * scripts below, so that a range taking rows and a split moving its end are atomic with respect to each
 * other. Keys are integers (see key-span.ts): a row belongs to range `i` when its key is below `e:i`.
 *
 * | field | meaning |
 * | --- | --- |
 * | `n` | ranges so far (planned ones, then one more per split) |
 * | `r:i` | range `i` as planned or split off (its end as it was then; `e:i` is the end now) |
 * | `e:i` | the range's end key, exclusive ('' = unbounded) |
 * | `c:i` | the highest key the range has taken (rows up to it are the range's, whatever splits follow) |
 * | `d:i` | '1' once the range has finished: it is split no more |
 * | `k:i` | the ranges split off it, `3,7` |
 * | `s:i` | its progress, for choosing what to split (`ReadingProgress` JSON) |
 *
 * Key values cross as the decimal strings JavaScript wrote: Lua compares them as numbers (exact below
 * 2^53) and never formats one, as Lua 5.1 would print large numbers in exponent form.
 */
const CLAIM_SCRIPT = `
local i = ARGV[1]
redis.call('HSET', KEYS[1], 's:' .. i, ARGV[3])
local e = redis.call('HGET', KEYS[1], 'e:' .. i)
if e and e ~= '' and tonumber(ARGV[2]) >= tonumber(e) then
  redis.call('HSET', KEYS[1], 'c:' .. i, e)
  return {0, e}
end
local c = redis.call('HGET', KEYS[1], 'c:' .. i)
if (not c) or tonumber(ARGV[2]) > tonumber(c) then redis.call('HSET', KEYS[1], 'c:' .. i, ARGV[2]) end
return {1, e or ''}
`;

const SPLIT_SCRIPT = `
local v = ARGV[1]
if redis.call('HGET', KEYS[1], 'd:' .. v) == '1' then return -1 end
if redis.call('HEXISTS', KEYS[1], 'r:' .. v) == 0 then return -2 end
local p = tonumber(ARGV[2])
local c = redis.call('HGET', KEYS[1], 'c:' .. v)
if c and p <= tonumber(c) then return -3 end
local e = redis.call('HGET', KEYS[1], 'e:' .. v) or ''
if e ~= '' and p >= tonumber(e) then return -4 end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1) - 1
redis.call('HSET', KEYS[1], 'e:' .. v, ARGV[2], 'r:' .. n, ARGV[3], 'e:' .. n, e, 's:' .. v, ARGV[4])
local k = redis.call('HGET', KEYS[1], 'k:' .. v)
if k then k = k .. ',' .. n else k = '' .. n end
redis.call('HSET', KEYS[1], 'k:' .. v, k)
return n
`;

const FINISH_SCRIPT = `
redis.call('HSET', KEYS[1], 'd:' .. ARGV[1], '1')
return redis.call('HGET', KEYS[1], 'k:' .. ARGV[1]) or ''
`;

/** What a running range reports with each page it takes, for choosing what to split. */
export interface ReadingProgress {
  /** Rows it has read since its start (checkpointed or not). */
  read: number;
  /** Rows it expects still to read: the API's count where it reports one, else the plan's estimate less `read`. */
  remaining: number;
  /** The key of the first row it read, for the density of keys (null until a row is read). */
  firstKey: number | null;
  /** When it reported (ms, the worker's clock). */
  at: number;
}

/** One range as the board holds it. */
export interface BoardRange {
  range: ExportRange;
  claimed: number | null;
  done: boolean;
  progress: ReadingProgress | undefined;
}

/** Why a split was refused: the range has finished, is unknown, has already read past the point, or ends before it. */
export type SplitRefusal = 'finished' | 'unknown' | 'taken' | 'past-end';

const REFUSALS: Record<number, SplitRefusal> = { [-1]: 'finished', [-2]: 'unknown', [-3]: 'taken', [-4]: 'past-end' };

export class RangeBoard {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(exportId: string): string {
    return `${this.prefix}:ranges:${exportId}`;
  }

  /** Exports whose ranges may still be split: from enqueue until the commit (or a cancel). */
  private get activeKey(): string {
    return `${this.prefix}:ranges-active`;
  }

  /** The planned ranges, unless the board has them already (an export enqueued again keeps its splits). */
  async init(exportId: string, ranges: readonly ExportRange[]): Promise<void> {
    await this.redis.sadd(this.activeKey, exportId);
    if ((await this.redis.hsetnx(this.key(exportId), 'n', String(ranges.length))) === 0) return;
    await this.redis.hset(this.key(exportId), rangeFields(ranges));
  }

  async activeExports(): Promise<string[]> {
    return this.redis.smembers(this.activeKey);
  }

  /** The export commits or stops: its ranges are split no more (the board stays, for `status`). */
  async retire(exportId: string): Promise<void> {
    await this.redis.srem(this.activeKey, exportId);
  }

  /** Replaces the board with `ranges` (as they stand now) and which of them are done: a rebuild from S3. */
  async reset(exportId: string, ranges: readonly ExportRange[], done: ReadonlySet<number>, claimed: ReadonlyMap<number, number>): Promise<void> {
    const fields: Record<string, string> = { n: String(ranges.length), ...rangeFields(ranges) };
    for (const index of done) fields[`d:${index}`] = '1';
    for (const [index, key] of claimed) fields[`c:${index}`] = String(key);
    await this.redis.multi().del(this.key(exportId)).hset(this.key(exportId), fields).sadd(this.activeKey, exportId).exec();
  }

  /** Ranges so far; undefined for an export enqueued without a board (by an earlier version). */
  async count(exportId: string): Promise<number | undefined> {
    const n = await this.redis.hget(this.key(exportId), 'n');
    return n === null ? undefined : Number(n);
  }

  /** Ranges so far: the board's count, or the planned count for an export without a board. */
  async rangeCount(spec: { exportId: string; rangeCount: number }): Promise<number> {
    return (await this.count(spec.exportId)) ?? spec.rangeCount;
  }

  /** The current end of range `index` (null = unbounded); undefined when the board does not know it. */
  async endOf(exportId: string, index: number): Promise<number | null | undefined> {
    const end = await this.redis.hget(this.key(exportId), `e:${index}`);
    return end === null ? undefined : end === '' ? null : Number(end);
  }

  /**
   * Range `index` takes the rows up to `key` (the last key of a page, in key order): `within` when all of
   * them are its own, else `end` says where its rows stop (a split moved it) and the range ends there.
   */
  async claim(exportId: string, index: number, key: number, progress: ReadingProgress): Promise<{ within: boolean; end: number | null }> {
    const [within, end] = (await this.redis.eval(CLAIM_SCRIPT, 1, this.key(exportId), index, String(key), JSON.stringify(progress))) as [
      number,
      string,
    ];
    return { within: within === 1, end: end === '' ? null : Number(end) };
  }

  /**
   * Moves the end of range `victim` to `at` and makes [at, its old end) a new range, unless it has
   * finished or taken a row at or after `at`. `child` is the new range as of now (its index and end are
   * the board's); `victimProgress` the victim's progress less what the new range takes. Returns the new
   * range's index, or why not.
   */
  async split(exportId: string, victim: number, at: number, child: ExportRange, victimProgress: ReadingProgress): Promise<number | SplitRefusal> {
    const result = (await this.redis.eval(
      SPLIT_SCRIPT,
      1,
      this.key(exportId),
      victim,
      String(at),
      JSON.stringify(child),
      JSON.stringify(victimProgress),
    )) as number;
    return result >= 0 ? result : (REFUSALS[result] ?? 'unknown');
  }

  /** Range `index` has read everything up to its end: it is split no more. Returns the ranges split off it. */
  async finish(exportId: string, index: number): Promise<number[]> {
    const children = (await this.redis.eval(FINISH_SCRIPT, 1, this.key(exportId), index)) as string;
    return children === '' ? [] : children.split(',').map(Number);
  }

  /** Every range with its current end, what it has taken and its progress; empty without a board. */
  async ranges(exportId: string): Promise<BoardRange[]> {
    const fields = await this.redis.hgetall(this.key(exportId));
    const count = Number(fields.n ?? 0);
    const ranges: BoardRange[] = [];
    for (let index = 0; index < count; index++) {
      const planned = fields[`r:${index}`];
      if (planned === undefined) continue;
      const end = fields[`e:${index}`];
      const claimed = fields[`c:${index}`];
      const progress = fields[`s:${index}`];
      ranges.push({
        range: endedAt({ ...(JSON.parse(planned) as ExportRange), index }, end === undefined || end === '' ? null : Number(end)),
        claimed: claimed === undefined ? null : Number(claimed),
        done: fields[`d:${index}`] === '1',
        progress: progress === undefined ? undefined : (JSON.parse(progress) as ReadingProgress),
      });
    }
    return ranges;
  }
}

function rangeFields(ranges: readonly ExportRange[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const range of ranges) {
    const end = keySpanOf(range).end;
    fields[`r:${range.index}`] = JSON.stringify(range);
    fields[`e:${range.index}`] = end === null ? '' : String(end);
  }
  return fields;
}

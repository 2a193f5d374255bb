import type { Redis } from 'ioredis';

/** Why a range is trying again right now, for `status`: the latest failed try of an API or S3 request. */
export interface RangeRetryNote {
  rangeIndex: number;
  /** What failed: `api` (the source) or `s3`. */
  service: 'api' | 's3';
  /** One line for an operator: what failed, where, and what happens next. */
  message: string;
  /** When the current run of failures of this service began. */
  since: string;
  /** When the latest failure was reported. */
  at: string;
}

/** Notes outlive nothing: an export's notes expire a day after the last one, whatever happens to it. */
const NOTE_TTL_SECONDS = 24 * 3600;

/** Writes a range's note, keeping `since` while the same service keeps failing. */
const RECORD_SCRIPT = `
local since = ARGV[4]
local previous = redis.call('HGET', KEYS[1], ARGV[1])
if previous then
  local earlier = cjson.decode(previous)
  if earlier.service == ARGV[2] then since = earlier.since end
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({ rangeIndex = tonumber(ARGV[1]), service = ARGV[2], message = ARGV[3], since = since, at = ARGV[4] }))
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
`;

/**
 * The ranges of an export that are retrying, and why: one Redis hash per export, one field per range.
 * A range records a note on each retry and clears it once it moved on (a part committed, the range done),
 * so `status` can say "range 3 is retrying: S3 PutObject ... did not answer" while it happens.
 */
export class RangeRetryNotes {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(exportId: string): string {
    return `${this.prefix}:retrying:${exportId}`;
  }

  /** One command, so that a `clear` sent after it is applied after it, whatever the timing of the two. */
  async record(exportId: string, rangeIndex: number, service: RangeRetryNote['service'], message: string): Promise<void> {
    await this.redis.eval(RECORD_SCRIPT, 1, this.key(exportId), rangeIndex, service, message, new Date().toISOString(), NOTE_TTL_SECONDS);
  }

  async clear(exportId: string, rangeIndex: number): Promise<void> {
    await this.redis.hdel(this.key(exportId), String(rangeIndex));
  }

  /** The notes of every range that is retrying, by range index. */
  async list(exportId: string): Promise<RangeRetryNote[]> {
    const fields = await this.redis.hgetall(this.key(exportId));
    return Object.values(fields)
      .map((text) => JSON.parse(text) as RangeRetryNote)
      .sort((a, b) => a.rangeIndex - b.rangeIndex);
  }

  async drop(exportId: string): Promise<void> {
    await this.redis.del(this.key(exportId));
  }
}

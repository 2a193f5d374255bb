import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors/index.js';
import { newExportId, EXPORT_ID_PATTERN } from '../../src/queue/export-id.js';
import { parseRateLimit } from '../../src/ratelimit/rate-limit-spec.js';
import { parsePartFormat } from '../../src/sinks/part-format.js';
import { partKey, PART_KEY_PATTERN } from '../../src/sinks/part-key.js';
import { parseS3Url } from '../../src/sinks/s3/s3-location.js';

describe('command-line values', () => {
  it('parses s3 destinations and refuses malformed ones with advice', () => {
    expect(parseS3Url('s3://my-bucket/crm/exports/')).toEqual({ bucket: 'my-bucket', prefix: 'crm/exports' });
    expect(parseS3Url('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(() => parseS3Url('/tmp/out')).toThrow(/s3:\/\/BUCKET\/PREFIX/);
    expect(() => parseS3Url('s3://My_Bucket/x')).toThrow(InvalidInputError);
  });

  it('parses rate limits in any window unit', () => {
    expect(parseRateLimit('5000/1h')).toEqual({ requests: 5000, windowMs: 3_600_000 });
    expect(parseRateLimit('20/5s')).toEqual({ requests: 20, windowMs: 5000 });
    expect(parseRateLimit('300/min')).toEqual({ requests: 300, windowMs: 60_000 });
    expect(() => parseRateLimit('fast')).toThrow(/N\/WINDOW/);
  });

  it('names the valid formats', () => {
    expect(parsePartFormat('ndjson')).toBe('ndjson');
    expect(() => parsePartFormat('csv')).toThrow('use one of parquet, ndjson');
  });

  it('makes export ids BullMQ-safe and part keys name their range, sequence and attempt', () => {
    const id = newExportId(new Date('2026-11-22T21:45:01.123Z'));
    expect(id).toMatch(/^exp-20261122t214501-[0-9a-f]{6}$/);
    expect(id).toMatch(EXPORT_ID_PATTERN);
    expect(id).not.toContain(':');
    expect(partKey('p/exp-1', 3, 12, 'parquet', '1f2e3d4c')).toBe('p/exp-1/part-r00003-s000012-a1f2e3d4c.parquet');
    expect(PART_KEY_PATTERN.exec(partKey('p/exp-1', 3, 12, 'ndjson.gz', 'x9'))?.slice(1)).toEqual(['00003', '000012', 'x9', 'ndjson.gz']);
    expect(PART_KEY_PATTERN.exec('p/exp-1/part-r00003-s000012.parquet')).toBeNull();
    expect(() => partKey('p/exp-1', 3, 12, 'parquet', 'A/B')).toThrow(RangeError);
  });
});

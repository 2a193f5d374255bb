import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { parseIsoMicros } from '../time/iso-instant.js';
import type { ObjectStore } from '../sinks/s3/object-store.js';
import { EXPORTER_STATE_FOLDER } from '../sinks/export-layout.js';
import { formatS3Url, type S3Location } from '../sinks/s3/s3-location.js';
import type { TimestampPosition } from '../planning/timestamp-position.js';

/**
 * The high-water mark of incremental exports: where the last committed incremental export of one table,
 * account (`--account`: one organization, whichever of its credentials it reads with), filter and
 * destination stopped. Stored
 * durably beside the data, `s3://BUCKET/PREFIX/_bulk_export/watermarks/<name>.json`, by the commit step (after the
 * manifest, before `_SUCCESS`), and cached in Redis for `schedules` and `status`. It only ever moves
 * forward, and only when an export commits.
 */
export interface Watermark {
  name: string;
  source: string;
  /** Absent in watermarks written before accounts (they carried the credential's fingerprint instead). */
  account?: string;
  /** Short hash of the export's filter (`--where` groups or `--query`); null = every contact. */
  filter: string | null;
  /** `s3://BUCKET/PREFIX` the exports go to. */
  destination: string;
  /** The record's modification timestamp (the source's `changeField`). */
  field: string;
  /** The highest modification timestamp actually written so far, as the API sent it. */
  modifiedAt: string | null;
  /**
   * Where the next incremental export continues: every change before `position.at`, and of those exactly
   * then the ids listed, was written; so were the `written` versions after it (see `WatermarkRule`).
   */
  position: TimestampPosition;
  /** The export that set it, and when it committed. */
  exportId: string;
  committedAt: string;
}

export const WATERMARK_FOLDER = `${EXPORTER_STATE_FOLDER}/watermarks`;
/** Where watermarks were kept before the exporter's state had a folder of its own; still read, never written. */
const LEGACY_WATERMARK_FOLDER = '_watermarks';

/**
 * `<table>/<account>/unfiltered` or `<table>/<account>/f<filter hash>`: one watermark per table, account and
 * filter. Keyed by the account, not its credential, so a rotated credential goes on from where the last
 * run stopped; a folder per account, as account names may hold `-`.
 */
export function watermarkName(table: string, account: string, filter: string | null): string {
  return `${table}/${account}/${filter ? `f${filter}` : 'unfiltered'}`;
}

/**
 * `<source>-<credential fingerprint>[-f<filter hash>]`: the name watermarks had while they were keyed by the
 * credential. `start` reads it when the account has no watermark of its own yet, and the commit writes the
 * account's, so an existing incremental load goes on where it stopped instead of starting a full load.
 */
export function credentialWatermarkName(source: string, credentialFingerprint: string, filter: string | null): string {
  return `${source}-${credentialFingerprint}${filter ? `-f${filter}` : ''}`;
}

/** Short hash of a filter (canonical JSON), or null without one. */
export function filterHash(filter: unknown): string | null {
  if (filter === null || filter === undefined || (Array.isArray(filter) && filter.length === 0)) return null;
  return createHash('sha256').update(canonicalJson(filter)).digest('hex').slice(0, 10);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** S3 key of a watermark under the destination prefix. */
export function watermarkKey(destination: S3Location, name: string, folder = WATERMARK_FOLDER): string {
  const key = `${folder}/${name}.json`;
  return destination.prefix ? `${destination.prefix}/${key}` : key;
}

export async function readWatermark(store: ObjectStore, key: string): Promise<Watermark | undefined> {
  const text = await store.getText(key);
  return text ? (JSON.parse(text) as Watermark) : undefined;
}

/**
 * The watermark of `name` under a destination, else the first found of `carriedFrom` (names it had before),
 * in the folder watermarks are kept in or where an earlier version kept them; the commit then writes it
 * under `name` in its place.
 */
export async function readStoredWatermark(
  store: ObjectStore,
  destination: S3Location,
  name: string,
  carriedFrom: readonly string[] = [],
): Promise<Watermark | undefined> {
  for (const candidate of [name, ...carriedFrom]) {
    const found =
      (await readWatermark(store, watermarkKey(destination, candidate))) ??
      (await readWatermark(store, watermarkKey(destination, candidate, LEGACY_WATERMARK_FOLDER)));
    if (found) return found;
  }
  return undefined;
}

/** Whether `candidate` is behind `current` (never move a watermark backwards). */
export function isBehind(candidate: TimestampPosition, current: TimestampPosition | undefined): boolean {
  if (!current) return false;
  const a = parseIsoMicros(candidate.at);
  const b = parseIsoMicros(current.at);
  if (a === null || b === null) return false;
  return a < b || (a === b && !current.idsAtLast.every((id) => candidate.idsAtLast.includes(id)));
}

/**
 * Writes the watermark to S3 (and the Redis cache) unless the stored one is further on (a later run
 * committed first). Returns the watermark now in force.
 */
export async function advanceWatermark(
  store: ObjectStore,
  cache: WatermarkCache,
  key: string,
  next: Watermark,
): Promise<{ written: boolean; current: Watermark }> {
  const stored = await readWatermark(store, key);
  if (stored && stored.exportId !== next.exportId && isBehind(next.position, stored.position)) {
    await cache.set(store.bucket, key, stored);
    return { written: false, current: stored };
  }
  await store.put(key, JSON.stringify(next, null, 2), { contentType: 'application/json' });
  await cache.set(store.bucket, key, next);
  return { written: true, current: next };
}

/** The Redis copy of each watermark (`<prefix>:watermark:s3://BUCKET/KEY`); S3 stays the truth. */
export class WatermarkCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(bucket: string, objectKey: string): string {
    return `${this.prefix}:watermark:${formatS3Url({ bucket, prefix: '' }, objectKey)}`;
  }

  async set(bucket: string, objectKey: string, watermark: Watermark): Promise<void> {
    await this.redis.set(this.key(bucket, objectKey), JSON.stringify(watermark));
  }

  async get(bucket: string, objectKey: string): Promise<Watermark | undefined> {
    const text = await this.redis.get(this.key(bucket, objectKey));
    return text ? (JSON.parse(text) as Watermark) : undefined;
  }
}

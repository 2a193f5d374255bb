import type { Redis } from 'ioredis';
import { formatIsoMicros, parseIsoMicros } from '../time/iso-instant.js';
import type { CommittedPart } from '../sinks/manifest.js';
import type { RowChange } from '../sources/export-source.js';
import type { TimestampPosition, WrittenVersion } from '../planning/timestamp-position.js';
import type { WatermarkRule } from './export-spec.js';
import { redisMicros } from './redis-clock.js';

/**
 * The watermark of an incremental export read by id, in any order (the `read-clock` rule of
 * `WatermarkRule`).
 *
 * A contact modified while such an export runs may be read in its new version or, if its page came
 * earlier, not at all; so the next run has to start no later than the source's clock when this one
 * began to read. Nothing tells that clock directly, but every row tells a lower bound of it: a row
 * modified at `m` and read by the Redis time `t` shows that when reading began (`readStartedAt`, Redis
 * time too) the source's clock stood at least at `m - (t - readStartedAt)`. Redis measures the elapsed
 * time alike for every worker, whatever their own clocks say, and nothing is assumed about the offset
 * between the source's clock and ours.
 *
 * The rows the next run would read again without a change (modified at or after the watermark, already
 * written in that version) are remembered with it (`written`), at most `MAX_WRITTEN_VERSIONS` of them,
 * the newest first, so a quiet organization's runs stay empty; rows beyond that are written again.
 */

/** Versions remembered with a watermark (and with each range, until the commit). */
export const MAX_WRITTEN_VERSIONS = 500;

export type ReadClockRule = Extract<WatermarkRule, { kind: 'read-clock' }>;

/** A part's contribution to the watermark, fixed when it is written. */
export interface SealedPartChanges {
  /** The newest modification among the part's rows, as the API sent it. */
  newestChange: string;
  /** Redis time (microseconds) by which every row of the part was read. */
  readBy: number;
  /** The range's remembered versions with this part's (see `rememberWritten`). */
  written(previous: readonly WrittenVersion[] | undefined): WrittenVersion[];
}

/** The modifications of the rows of the part being written, kept by the range processor. */
export class PartChanges {
  private pending: RowChange[] = [];

  constructor(private readonly rule: ReadClockRule) {}

  add(changes: readonly RowChange[] | undefined): void {
    if (changes) this.pending.push(...changes);
  }

  /** Ends the part; undefined when none of its rows carried a modification time. */
  async seal(redis: Redis): Promise<SealedPartChanges | undefined> {
    const changes = this.pending;
    this.pending = [];
    if (changes.length === 0) return undefined;
    const newest = changes.reduce((best, change) => (change.micros > best.micros ? change : best));
    const readBy = await redisMicros(redis);
    const proven = provenStart(newest.micros, readBy, this.rule.readStartedAt ?? readBy);
    return { newestChange: newest.stamp, readBy, written: (previous) => rememberWritten(previous ?? [], changes, proven, this.rule.overlapMs) };
  }
}

/** The lower bound a part proves for the source's clock when reading began; its rows were read by `readBy`. */
export function provenStart(newestMicros: number, readBy: number, readStartedAt: number): number {
  return newestMicros - Math.max(0, readBy - readStartedAt);
}

/**
 * After a part is committed: the range's remembered versions, with the part's rows that may still lie
 * at or after the final watermark (which is at least this part's proof less the overlap).
 */
export function rememberWritten(
  remembered: readonly WrittenVersion[],
  changes: readonly RowChange[],
  proven: number,
  overlapMs: number,
): WrittenVersion[] {
  const floor = proven - overlapMs * 1000;
  return newestVersions(
    [...remembered, ...changes.filter((change) => change.micros >= floor).map((change) => ({ id: change.id, modified: change.stamp }))],
    floor,
  );
}

/**
 * Where the next run continues: the largest start a part proves, less `overlapMs`, never before
 * `since` (null, no watermark yet, when neither gives one), with the versions written at or after it.
 */
export function readClockPosition(
  since: TimestampPosition | null,
  parts: readonly CommittedPart[],
  written: readonly WrittenVersion[],
  readStartedAt: number | null,
  overlapMs: number,
): TimestampPosition | null {
  let proven: number | null = null;
  if (readStartedAt !== null) {
    for (const part of parts) {
      const newest = part.newestChange === undefined ? null : parseIsoMicros(part.newestChange);
      if (newest === null || part.readBy === undefined) continue;
      const bound = provenStart(newest, part.readBy, readStartedAt) - overlapMs * 1000;
      if (proven === null || bound > proven) proven = bound;
    }
  }
  const sinceMicros = since === null ? null : parseIsoMicros(since.at);
  const advances = proven !== null && (sinceMicros === null || proven > sinceMicros);
  const start = advances ? { at: formatIsoMicros(proven!), idsAtLast: [] } : since;
  if (start === null) return null;
  const versions = newestVersions([...(since?.written ?? []), ...written], parseIsoMicros(start.at)!);
  return versions.length > 0 ? { ...start, written: versions } : { at: start.at, idsAtLast: start.idsAtLast };
}

/** One version per id (its newest), those modified at or after `floor`, the newest `MAX_WRITTEN_VERSIONS`. */
function newestVersions(versions: readonly WrittenVersion[], floor: number): WrittenVersion[] {
  const byId = new Map<string, { version: WrittenVersion; micros: number }>();
  for (const version of versions) {
    const micros = parseIsoMicros(version.modified);
    if (micros === null || micros < floor) continue;
    const known = byId.get(version.id);
    if (!known || micros > known.micros) byId.set(version.id, { version, micros });
  }
  return [...byId.values()]
    .sort((a, b) => b.micros - a.micros || (a.version.id < b.version.id ? -1 : 1))
    .slice(0, MAX_WRITTEN_VERSIONS)
    .map((entry) => entry.version);
}

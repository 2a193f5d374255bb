import type { IndexHasher } from './index-hasher.js';

/**
 * Ids that increase with the index: `firstId + index x stride` plus a seeded gap below the stride, so that
 * ids have gaps as real ones do while index <-> id stays pure arithmetic (no id is stored).
 */
export class IdSequence {
  constructor(
    private readonly hash: IndexHasher,
    /** The salt of the gap's draw, one the generator uses for nothing else. */
    private readonly gapSalt: number,
    /** Lowest possible id (the first record's id is at most `stride - 1` above it). */
    readonly firstId: number,
    readonly stride: number,
  ) {}

  idAt(index: number): number {
    return this.firstId + index * this.stride + this.hash.below(index, this.gapSalt, this.stride);
  }

  /** Smallest index in [0, count] whose id is >= `id` (`count` when there is none). */
  lowerBoundIndex(id: number, count: number): number {
    if (!(id > this.firstId)) return 0;
    const candidate = Math.floor((id - this.firstId) / this.stride);
    if (candidate >= count) return count;
    return this.idAt(candidate) >= id ? candidate : candidate + 1;
  }

  /** Index of the record with this id among `count` records, or -1. */
  indexOfId(id: number, count: number): number {
    if (!Number.isSafeInteger(id)) return -1;
    const index = this.lowerBoundIndex(id, count);
    return index < count && this.idAt(index) === id ? index : -1;
  }
}

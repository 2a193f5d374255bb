import { describe, expect, it } from 'vitest';
import { ArchivedIndex } from '../../simulators/virtuous/archived-index.js';
import { SequentialRandom } from '../../simulators/virtuous/sequential-random.js';

/** Compares the block-indexed counts with a plain array through random mutations. */
describe('ArchivedIndex', () => {
  it('counts and selects live entries like a naive scan, through archives, restores and appends', () => {
    const random = new SequentialRandom(5);
    const flags = Array.from({ length: 1000 }, () => random.next() < 0.3);
    const index = new ArchivedIndex(flags.length, (i) => flags[i]!);
    const liveBefore = (end: number): number => flags.slice(0, end).filter((archived) => !archived).length;
    const liveIndices = (): number[] => flags.flatMap((archived, i) => (archived ? [] : [i]));

    for (let round = 0; round < 30; round++) {
      if (round % 10 === 9) {
        index.appendLive(37);
        flags.push(...Array.from({ length: 37 }, () => false));
      }
      for (let k = 0; k < 20; k++) {
        const i = Math.floor(random.next() * flags.length);
        const archived = random.next() < 0.5;
        flags[i] = archived;
        index.setArchived(i, archived);
      }
      expect(index.length).toBe(flags.length);
      const points = [0, 1, 63, 64, 65, 500, flags.length - 1, flags.length, Math.floor(random.next() * flags.length)];
      expect(points.map((end) => index.liveBefore(end))).toEqual(points.map(liveBefore));
      expect(index.liveIn(100, 700)).toBe(liveBefore(700) - liveBefore(100));
      const live = liveIndices();
      const ranks = [0, 1, 64, live.length - 1, Math.floor(random.next() * live.length)];
      expect(ranks.map((rank) => index.selectLive(rank))).toEqual(ranks.map((rank) => live[rank]));
      expect(index.selectLive(live.length)).toBe(-1);
    }
  });
});

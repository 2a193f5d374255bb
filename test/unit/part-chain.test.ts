import { describe, expect, it } from 'vitest';
import { longestPartChain, type DescribedPart } from '../../src/queue/operations/part-chain.js';

/** A part object: the cursor it started from and the one it ended at (as JSON), as its metadata says. */
type Written = { key: string; sequence: number; from?: number | null; to: number };

function chainOf(written: Written[]) {
  const bySequence = new Map<number, string[]>();
  for (const part of written) bySequence.set(part.sequence, [...(bySequence.get(part.sequence) ?? []), part.key]);
  const heads: string[] = [];
  const describe = async (key: string, sequence: number): Promise<DescribedPart> => {
    heads.push(key);
    const part = written.find((candidate) => candidate.key === key)!;
    return {
      part: { key, rows: 1, bytes: 1, firstKey: null, lastKey: part.to, rangeIndex: 0, sequence },
      startCursor: part.from === undefined ? undefined : JSON.stringify(part.from === null ? null : { lastId: part.from }),
      endCursor: JSON.stringify({ lastId: part.to }),
    };
  };
  return { chain: longestPartChain(bySequence, describe).then((parts) => parts.map((part) => part.part.key)), heads };
}

describe('longestPartChain', () => {
  it('follows the parts that continue each other when two attempts wrote the same sequence', async () => {
    // Attempt A (lost its lock) wrote s1 up to 250; attempt B wrote s1 up to 240 (a contact was archived
    // between the two reads) and went on from 240.
    const { chain } = chainOf([
      { key: 's0-a', sequence: 0, from: null, to: 100 },
      { key: 's1-A', sequence: 1, from: 100, to: 250 },
      { key: 's1-B', sequence: 1, from: 100, to: 240 },
      { key: 's2-B', sequence: 2, from: 240, to: 400 },
    ]);
    expect(await chain).toEqual(['s0-a', 's1-B', 's2-B']);
  });

  it('stops at a gap or at a part that does not start where the chain ended', async () => {
    expect(
      await chainOf([
        { key: 's0', sequence: 0, from: null, to: 10 },
        { key: 's2', sequence: 2, from: 10, to: 20 },
      ]).chain,
    ).toEqual(['s0']);
    expect(
      await chainOf([
        { key: 's0', sequence: 0, from: null, to: 10 },
        { key: 's1', sequence: 1, from: 11, to: 20 },
      ]).chain,
    ).toEqual(['s0']);
    expect(await chainOf([{ key: 's1', sequence: 1, from: null, to: 10 }]).chain).toEqual([]);
  });

  it('accepts parts written before start cursors were recorded', async () => {
    const { chain } = chainOf([
      { key: 'old-0', sequence: 0, to: 10 },
      { key: 'old-1', sequence: 1, to: 20 },
    ]);
    expect(await chain).toEqual(['old-0', 'old-1']);
  });

  it('reads each object once however many attempts tie', async () => {
    const written: Written[] = [];
    for (let sequence = 0; sequence < 40; sequence++) {
      for (const attempt of ['x', 'y', 'z'])
        written.push({ key: `s${sequence}-${attempt}`, sequence, from: sequence === 0 ? null : sequence * 10, to: (sequence + 1) * 10 });
    }
    const { chain, heads } = chainOf(written);
    expect(await chain).toHaveLength(40);
    expect(heads).toHaveLength(120);
  });
});

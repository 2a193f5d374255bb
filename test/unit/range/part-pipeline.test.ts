import { describe, expect, it } from 'vitest';
import { PartPipeline, type SealedPart } from '../../../src/queue/range/part-pipeline.js';
import { initialCheckpoint, type RangeCheckpoint } from '../../../src/queue/range-checkpoint.js';
import type { PartBuilder } from '../../../src/sinks/part-encoder.js';
import type { SourcePage } from '../../../src/sources/export-source.js';

/** A part builder that keeps the rows' ids (the bytes do not matter here). */
function idsBuilder(): PartBuilder & { ids: number[] } {
  const ids: number[] = [];
  return {
    ids,
    get rows() {
      return ids.length;
    },
    unknownFields: [],
    refusedValues: [],
    add: (rows) => ids.push(...rows.map((row) => row.id as number)),
    finish: async () => new TextEncoder().encode(ids.join(',')),
  };
}

/** Rows `from`..`to` as one page whose cursor is its last id. */
function page(from: number, to: number): SourcePage {
  const rows = Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i }));
  return { rows, cursor: { lastId: to }, firstKey: from, lastKey: to };
}

const received = { exportId: 'e', extractedAt: 0 };

/** A writer whose writes wait until the test lets them finish; each resolves with the checkpoint that names the part. */
function heldWriter() {
  const writes: { part: SealedPart; after: RangeCheckpoint; finish: () => void; fail: (error: Error) => void }[] = [];
  const write = (part: SealedPart, after: RangeCheckpoint) =>
    new Promise<RangeCheckpoint>((resolve, reject) => {
      writes.push({
        part,
        after,
        finish: () =>
          resolve({
            ...after,
            cursor: part.cursor,
            nextSequence: after.nextSequence + 1,
            rows: after.rows + part.builder.rows,
            parts: [
              ...after.parts,
              {
                key: `p${after.nextSequence}`,
                rows: part.builder.rows,
                bytes: 1,
                firstKey: part.firstKey,
                lastKey: part.lastKey,
                rangeIndex: 0,
                sequence: after.nextSequence,
              },
            ],
          }),
        fail: reject,
      });
    });
  return { write, writes };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('PartPipeline', () => {
  it('counts every row once while a part is filled, written and committed', async () => {
    const writer = heldWriter();
    const pipeline = new PartPipeline({ checkpoint: initialCheckpoint(), startPart: idsBuilder, write: writer.write });
    pipeline.add(page(1, 10), received, { cursor: { lastId: 10 }, apiCount: undefined });
    expect(pipeline.rowsRead).toBe(10);
    await pipeline.writeInBackground();
    expect(writer.writes).toHaveLength(1);
    expect([pipeline.rowsRead, pipeline.fillingRows, pipeline.checkpoint.rows]).toEqual([10, 0, 0]);
    pipeline.add(page(11, 15), received, { cursor: { lastId: 15 }, apiCount: undefined });
    expect(pipeline.rowsRead).toBe(15);
    writer.writes[0]!.finish();
    await settle();
    // The written part's rows are in the checkpoint now, and only there.
    expect([pipeline.rowsRead, pipeline.fillingRows, pipeline.checkpoint.rows]).toEqual([15, 5, 10]);
    const flushed = pipeline.flush();
    await settle();
    expect(pipeline.rowsRead).toBe(15);
    writer.writes[1]!.finish();
    await flushed;
    expect([pipeline.rowsRead, pipeline.checkpoint.rows, pipeline.checkpoint.parts.length]).toEqual([15, 15, 2]);
  });

  it('writes one part at a time and in order, each after the checkpoint of the one before, with its own keys and position', async () => {
    const writer = heldWriter();
    const pipeline = new PartPipeline({ checkpoint: initialCheckpoint(), startPart: idsBuilder, write: writer.write });
    pipeline.add(page(1, 4), received, { cursor: { lastId: 4 }, apiCount: { read: 4, reported: 9 } });
    await pipeline.writeInBackground();
    pipeline.add(page(5, 9), received, { cursor: { lastId: 9 }, apiCount: { read: 9, reported: 9 } });
    // The next part is full too: it waits for the one being written.
    let second = false;
    const next = pipeline.writeInBackground().then(() => (second = true));
    await settle();
    expect([writer.writes.length, second]).toEqual([1, false]);
    writer.writes[0]!.finish();
    await next;
    expect(writer.writes).toHaveLength(2);
    const [first, then] = writer.writes;
    expect([first!.part.firstKey, first!.part.lastKey, first!.part.cursor, first!.part.apiCount]).toEqual([
      1,
      4,
      { lastId: 4 },
      { read: 4, reported: 9 },
    ]);
    expect([then!.part.firstKey, then!.part.lastKey, then!.part.cursor]).toEqual([5, 9, { lastId: 9 }]);
    expect(then!.after.nextSequence).toBe(1);
    expect(then!.after.cursor).toEqual({ lastId: 4 });
    then!.finish();
    await pipeline.flush();
    expect(pipeline.checkpoint.parts.map((part) => [part.firstKey, part.lastKey])).toEqual([
      [1, 4],
      [5, 9],
    ]);
  });

  it('a page without rows moves the position on and starts no part of its own', async () => {
    const writer = heldWriter();
    const pipeline = new PartPipeline({ checkpoint: initialCheckpoint(), startPart: idsBuilder, write: writer.write });
    pipeline.add({ rows: [], cursor: { lastId: 50 }, firstKey: null, lastKey: null }, received, {
      cursor: { lastId: 50 },
      apiCount: { read: 3, reported: null },
    });
    await pipeline.flush();
    expect(writer.writes).toHaveLength(0);
    pipeline.add(page(60, 61), received, { cursor: { lastId: 61 }, apiCount: undefined });
    pipeline.add({ rows: [], cursor: { lastId: 70 }, firstKey: null, lastKey: null }, received, {
      cursor: { lastId: 70 },
      apiCount: { read: 9, reported: null },
    });
    const flushed = pipeline.flush();
    await settle();
    expect([writer.writes[0]!.part.firstKey, writer.writes[0]!.part.lastKey, writer.writes[0]!.part.cursor]).toEqual([60, 61, { lastId: 70 }]);
    writer.writes[0]!.finish();
    await flushed;
  });

  it('a failed write is met before anything else is written, and its rows count as not committed', async () => {
    const writer = heldWriter();
    const pipeline = new PartPipeline({ checkpoint: initialCheckpoint(), startPart: idsBuilder, write: writer.write });
    pipeline.add(page(1, 10), received, { cursor: { lastId: 10 }, apiCount: undefined });
    await pipeline.writeInBackground();
    pipeline.add(page(11, 13), received, { cursor: { lastId: 13 }, apiCount: undefined });
    writer.writes[0]!.fail(new Error('S3 refused'));
    await expect(pipeline.flush()).rejects.toThrow('S3 refused');
    expect(writer.writes).toHaveLength(1);
    expect(await pipeline.abandon()).toBe(13);
    expect(pipeline.checkpoint.rows).toBe(0);
  });

  it('abandon waits for the part being written: rows it committed are not counted as lost', async () => {
    const writer = heldWriter();
    const pipeline = new PartPipeline({ checkpoint: initialCheckpoint(), startPart: idsBuilder, write: writer.write });
    pipeline.add(page(1, 10), received, { cursor: { lastId: 10 }, apiCount: undefined });
    await pipeline.writeInBackground();
    pipeline.add(page(11, 12), received, { cursor: { lastId: 12 }, apiCount: undefined });
    let abandoned: number | undefined;
    const abandoning = pipeline.abandon().then((rows) => (abandoned = rows));
    await settle();
    expect(abandoned).toBeUndefined();
    writer.writes[0]!.finish();
    await abandoning;
    expect([abandoned, pipeline.checkpoint.rows]).toEqual([2, 10]);
  });

  it('runs onCommitted after each part, with the counts already moved, before the next write starts', async () => {
    const writer = heldWriter();
    const seen: [number, number, number][] = [];
    const pipeline: PartPipeline = new PartPipeline({
      checkpoint: initialCheckpoint(),
      startPart: idsBuilder,
      write: writer.write,
      onCommitted: async (checkpoint) => {
        seen.push([checkpoint.rows, pipeline.rowsRead, writer.writes.length]);
      },
    });
    pipeline.add(page(1, 3), received, { cursor: { lastId: 3 }, apiCount: undefined });
    await pipeline.writeInBackground();
    pipeline.add(page(4, 5), received, { cursor: { lastId: 5 }, apiCount: undefined });
    writer.writes[0]!.finish();
    const flushed = pipeline.flush();
    await settle();
    writer.writes[1]!.finish();
    await flushed;
    expect(seen).toEqual([
      [3, 5, 1],
      [5, 5, 2],
    ]);
  });

  it('seals the rows changes with their part', async () => {
    const writer = heldWriter();
    const added: unknown[] = [];
    let sealed = 0;
    const pipeline = new PartPipeline({
      checkpoint: initialCheckpoint(),
      startPart: idsBuilder,
      write: writer.write,
      changes: {
        add: (changes) => added.push(...(changes ?? [])),
        seal: async () => {
          sealed += 1;
          return { newestChange: 'n', readBy: 1, written: () => [] };
        },
      },
    });
    const change = { id: '1', micros: 5, stamp: 's' };
    pipeline.add({ ...page(1, 1), changes: [change] }, received, { cursor: { lastId: 1 }, apiCount: undefined });
    await pipeline.writeInBackground();
    expect(added).toEqual([change]);
    expect(sealed).toBe(1);
    expect(await writer.writes[0]!.part.changes).toMatchObject({ newestChange: 'n' });
    writer.writes[0]!.finish();
    await pipeline.flush();
  });
});

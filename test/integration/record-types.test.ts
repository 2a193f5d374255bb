import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';

/**
 * Several record types in one command (`--records contacts,gifts`, `--records all`): one export per record type,
 * on the account's one budget, reported in the order given; `schedule` makes one schedule each.
 */
describe('--records with several record types', () => {
  let fixture: ExportFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('start --records all --wait --json: one export per record type, both exact, one budget for the account', async () => {
    fixture = await ExportFixture.create('records-all', { contacts: 700, gifts: 1100, seed: 53 });
    const f = fixture;
    await f.startWorkers(1, 4);
    const dest = `s3://${BUCKET}/records-all`;
    const result = await f.cli(['start', '--source', 'virtuous', '--records', 'all', '--dest', dest, '--format', 'parquet', '--wait', '--json']);
    expect(result.code, result.stderr + f.workers[0]!.output()).toBe(0);
    const outcomes = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { exportId: string; records: string; state: string; rows: number; table: string });
    expect(outcomes.map(({ records, state, table }) => ({ records, state, table }))).toEqual([
      { records: 'contacts', state: 'committed', table: 'virtuous/contacts' },
      { records: 'gifts', state: 'committed', table: 'virtuous/gifts' },
    ]);
    const [contacts, gifts] = outcomes as [(typeof outcomes)[0], (typeof outcomes)[0]];
    expect((await f.exportedIds(dest, contacts.exportId)).map((row) => row.id)).toEqual(f.simulator.expectedIds({ includeArchived: true }));
    expect((await f.exportedIds(dest, gifts.exportId)).map((row) => row.id)).toEqual(f.simulator.expectedGiftIds());
    for (const outcome of outcomes) expect((await f.exportedIds(dest, outcome.exportId)).every((row) => row.n === 1)).toBe(true);
    // Both record types drew from one bucket: the account's, keyed by source and account, not by record type.
    const redis = new Redis(f.redisUrl);
    try {
      expect(await redis.keys(`${f.prefix}:budget:*`)).toEqual([`${f.prefix}:budget:virtuous:default`]);
    } finally {
      redis.disconnect();
    }
  });

  it('options --records gifts: the gift catalogue, and the gift id parameter the exports will page on', async () => {
    fixture = await ExportFixture.create('records-options', { contacts: 20, gifts: 20, seed: 67, giftIdParameter: 'Id' });
    const f = fixture;
    const gifts = await f.cli(['options', '--source', 'virtuous', '--records', 'gifts']);
    expect(gifts.code, gifts.stderr).toBe(0);
    expect(gifts.stdout).toMatch(/^Gift Date\s+Date\s+Before After OnOrBefore OnOrAfter/m);
    expect(gifts.stdout).toContain('Exports page by id on "Id" GreaterThan / LessThanOrEqual.');
    expect(gifts.stdout).toContain('e.g. --where "Gift Date OnOrAfter 2024-01-01"');
    expect(gifts.stdout).not.toContain('Contact Id');
    const asJson = await f.cli(['options', '--source', 'virtuous', '--records', 'gifts', '--json']);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ idKeyset: { parameter: 'Id' }, modifiedPrefilter: { parameter: 'Last Modified Date' } });
    const contacts = await f.cli(['options', '--source', 'virtuous']);
    expect(contacts.stdout).toContain('Exports page by id on "Contact Id" GreaterThan / LessThanOrEqual.');
  });

  it('schedule --records contacts,gifts --name: one schedule per record type, named after it', async () => {
    fixture = await ExportFixture.create('records-schedule', { contacts: 50, gifts: 50, seed: 59 });
    const f = fixture;
    const scheduled = await f.cli([
      'schedule',
      '--source',
      'virtuous',
      '--records',
      'contacts,gifts',
      '--dest',
      `s3://${BUCKET}/nightly`,
      '--every',
      '1h',
      '--name',
      'nightly',
    ]);
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.stdout).toMatch(/^scheduled nightly-contacts: incremental virtuous contacts export/m);
    expect(scheduled.stdout).toMatch(/^scheduled nightly-gifts: incremental virtuous gifts export/m);
    const listed = await f.cli(['schedules', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((listing) => listing.name).sort()).toEqual(['nightly-contacts', 'nightly-gifts']);
  });
});

import { describe, expect, it } from 'vitest';
import { ExportControl } from '../../../src/queue/export-control.js';
import { ExportCancelledError } from '../../../src/queue/export-stopped.js';
import { OperatorWord } from '../../../src/queue/range/operator-word.js';
import { redisForTests } from '../../support/redis-for-tests.js';

describe('OperatorWord', () => {
  const shared = redisForTests('operator-word');

  it('reads on, parks on a pause and ends on a cancel, looking at most once per interval', async () => {
    const control = new ExportControl(shared.redis, shared.prefix);
    let now = 0;
    const word = new OperatorWord(control, 'exp-1', 500, () => now);
    expect(await word.heed()).toBeUndefined();
    await control.set('exp-1', 'pause');
    now = 499;
    // Not yet time to look again: the pause is seen at the next look.
    expect(await word.heed()).toBeUndefined();
    now = 500;
    expect(await word.heed()).toBe('pause');
    await control.set('exp-1', 'cancel');
    now = 1000;
    await expect(word.heed()).rejects.toBeInstanceOf(ExportCancelledError);
    await control.clear('exp-1');
    now = 1500;
    expect(await word.heed()).toBeUndefined();
  });

  it('heeds only its own export', async () => {
    const control = new ExportControl(shared.redis, shared.prefix);
    await control.set('exp-other', 'cancel');
    expect(await new OperatorWord(control, 'exp-2').heed()).toBeUndefined();
  });
});

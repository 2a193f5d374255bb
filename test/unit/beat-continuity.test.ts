import { describe, expect, it } from 'vitest';
import { ROSTER_BEAT_MS, PRESUMED_DEAD_AFTER_MS } from '../../src/queue/fleet-roster.js';
import { BeatContinuity } from '../../src/worker/beat-continuity.js';

describe('a worker hands on the jobs of silent workers only while its own beats go through', () => {
  it('is steady once its beats have gone through without a gap for the presumed-dead time', () => {
    const continuity = new BeatContinuity();
    expect(continuity.steady).toBe(false);
    let at = 1_000_000;
    continuity.beat(at);
    while (at < 1_000_000 + PRESUMED_DEAD_AFTER_MS - ROSTER_BEAT_MS) {
      at += ROSTER_BEAT_MS;
      continuity.beat(at);
      expect(continuity.steady).toBe(false);
    }
    continuity.beat(at + ROSTER_BEAT_MS);
    expect(continuity.steady).toBe(true);
  });

  it('starts over after a gap (Redis away): the other workers get the presumed-dead time to beat again', () => {
    const continuity = new BeatContinuity();
    for (let at = 0; at <= 2 * PRESUMED_DEAD_AFTER_MS; at += ROSTER_BEAT_MS) continuity.beat(at);
    expect(continuity.steady).toBe(true);

    const back = 2 * PRESUMED_DEAD_AFTER_MS + 5_000;
    continuity.beat(back);
    expect(continuity.steady).toBe(false);
    continuity.beat(back + PRESUMED_DEAD_AFTER_MS);
    expect(continuity.steady).toBe(true);
  });
});

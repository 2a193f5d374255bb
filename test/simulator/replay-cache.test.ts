import { afterEach, describe, expect, it } from 'vitest';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/virtuous/index.js';
import { queryContacts } from './simulator-client.js';

describe('replay cache (benchmarks)', () => {
  let simulator: VirtuousSimulator | undefined;
  afterEach(() => simulator?.close());

  const firstPage = { groups: [], sortBy: 'Id', descending: false };

  it('answers a repeated query with the same bytes and counts its rows, until a mutation empties it', async () => {
    simulator = await startVirtuousSimulator({ contacts: 300, seed: 5, replayCache: true });
    const first = await queryContacts(simulator, firstPage, { take: 100 });
    const again = await queryContacts(simulator, firstPage, { take: 100 });
    expect(again.text).toBe(first.text);
    expect(again.headers.get('x-ratelimit-remaining')).not.toBeNull();
    expect(simulator.stats.rowsServed).toBe(200);

    const id = first.json.list[0].id as number;
    simulator.edit(id, { name: 'Edited Name' });
    const afterEdit = await queryContacts(simulator, firstPage, { take: 100 });
    expect(afterEdit.json.list[0].name).toBe('Edited Name');
    const otherTake = await queryContacts(simulator, firstPage, { take: 50 });
    expect(otherTake.json.list).toHaveLength(50);
  });
});

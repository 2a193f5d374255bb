import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/virtuous/index.js';
import { VirtuousClient } from '../../src/sources/virtuous/virtuous-client.js';
import { DEFAULT_VIRTUOUS_SETTINGS, VirtuousSource } from '../../src/sources/virtuous/virtuous-source.js';
import { CONTACT_ID_KEYSET } from '../support/virtuous-keyset.js';
import type { SourcePage } from '../../src/sources/export-source.js';

describe('rows exactly as the API sent them', () => {
  let simulator: VirtuousSimulator;
  beforeAll(async () => {
    simulator = await startVirtuousSimulator({ contacts: 2500, seed: 3 });
  });
  afterAll(() => simulator.close());

  async function pagesOf(rawRows: boolean, fullContact: boolean): Promise<SourcePage[]> {
    const client = new VirtuousClient({ baseUrl: simulator.url, token: simulator.token });
    const source = new VirtuousSource(client, { ...DEFAULT_VIRTUOUS_SETTINGS, idKeyset: CONTACT_ID_KEYSET, fullRecords: fullContact }, { rawRows });
    const pages: SourcePage[] = [];
    for await (const page of source.pages({ kind: 'id', index: 0, afterId: null, upToId: null, estimatedRows: 0 }, null)) pages.push(page);
    return pages;
  }

  for (const fullContact of [false, true]) {
    it(`gives each row's bytes with its parsed value, page by page (${fullContact ? 'FullContact' : 'abbreviated'})`, async () => {
      const pages = await pagesOf(true, fullContact);
      expect(pages.reduce((sum, page) => sum + page.rows.length, 0)).toBe(simulator.expectedIds({ includeArchived: true }).length);
      for (const page of pages) {
        expect(page.rawRows).toHaveLength(page.rows.length);
        const decoded = page.rawRows!.map((raw) => JSON.parse(new TextDecoder().decode(raw)));
        expect(decoded).toEqual(page.rows);
      }
    });
  }

  it('gives none unless asked', async () => {
    const pages = await pagesOf(false, false);
    expect(pages.every((page) => page.rawRows === undefined)).toBe(true);
  });
});

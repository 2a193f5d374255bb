import { startVirtuousSimulator, type VirtuousSimulator } from '../../../simulators/virtuous/index.js';
import type { ContactId, FilterCase, RefusedFilterCase, SourceHarness } from '../source-harness.js';

const CONTACTS = 400;
const GIFTS = 2000;
const API_CLOCK_AHEAD_MS = 7 * 60_000;

/**
 * Virtuous CRM+ gifts (`--records gifts`) through simulators/virtuous: numeric ids (`id BIGINT`), the id
 * parameter found in the gift QueryOptions, hard deletes between runs. As for contacts, an incremental run
 * may repeat, unchanged, gifts modified at or after the previous watermark (docs/sources/virtuous.md, "Gifts").
 */
export class VirtuousGiftsHarness implements SourceHarness {
  readonly source = 'virtuous';
  readonly records = 'gifts';
  readonly label = 'virtuous-gifts';
  readonly credentialVariable = 'VIRTUOUS_API_TOKEN';
  readonly baseUrlVariable = 'VIRTUOUS_BASE_URL';
  readonly idColumn = { name: 'id', type: 'BIGINT' };
  readonly modifiedColumn = 'modifiedDateTimeUtc';
  readonly incrementalMayRepeatBoundary = true;
  /** Ranges page with the gift id `GreaterThan <last id>`: nothing is read twice. */
  readonly rowsReadAgainPerWalk = 0;

  private simulator: VirtuousSimulator | undefined;
  private changes = 0;

  private get sim(): VirtuousSimulator {
    if (!this.simulator) throw new Error('the Virtuous gifts harness was not started');
    return this.simulator;
  }

  async start(): Promise<void> {
    // The contacts' harness runs the default modes; this one the date parameter that refuses a time of day, with the
    // API's clock 7 minutes ahead of ours (the watermark must not care).
    this.simulator = await startVirtuousSimulator({
      contacts: CONTACTS,
      gifts: GIFTS,
      seed: 37,
      dateFilterPrecision: 'date-only',
      now: () => Date.now() + API_CLOCK_AHEAD_MS,
    });
  }

  async stop(): Promise<void> {
    await this.simulator?.close();
  }

  env(): Record<string, string> {
    return { [this.baseUrlVariable]: this.sim.url, [this.credentialVariable]: this.sim.token };
  }

  currentIds(): ContactId[] {
    return this.sim.expectedGiftIds();
  }

  modifiedAt(id: ContactId): string | undefined {
    return this.sim.fullGift(Number(id))?.modifiedDateTimeUtc;
  }

  rowsServed(): number {
    return this.sim.stats.rowsServed;
  }

  requestsReceived(): number {
    return this.sim.stats.requests;
  }

  setLatency(ms: number): void {
    this.sim.setFaults(ms > 0 ? { latencyMs: ms } : undefined);
  }

  /** Edits three gifts (one twice), hard-deletes one, inserts two; returns the edited and inserted ids. */
  changeContacts(): ContactId[] {
    const round = ++this.changes;
    const ids = this.sim.expectedGiftIds();
    const edited = [ids[5 * round]!, ids[700 + round]!, ids.at(-1 - round)!];
    for (const id of edited) this.sim.editGift(id, { giftType: `Conformance ${round}` });
    this.sim.editGift(edited[0]!, { batch: `edited twice in round ${round}` });
    this.sim.deleteGift(ids[1300 + round]!);
    return [...edited, this.sim.insertGift(), this.sim.insertGift({ giftType: 'Inserted' })];
  }

  async validFilter(): Promise<FilterCase> {
    const ids = this.currentIds();
    const bound = Number(ids[Math.floor(ids.length / 3)]);
    return { args: ['--where', `Gift Id LessThanOrEqual ${bound}`], ids: ids.filter((id) => Number(id) <= bound) };
  }

  async refusedFilter(): Promise<RefusedFilterCase> {
    return { args: ['--where', 'Gfit Date OnOrAfter 2023-01-01'], message: /unknown parameter "Gfit Date".*did you mean "Gift Date"/ };
  }
}

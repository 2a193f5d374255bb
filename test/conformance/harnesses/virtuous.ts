import { startVirtuousSimulator, type VirtuousSimulator } from '../../../simulators/virtuous/index.js';
import type { ContactId, FilterCase, RefusedFilterCase, SourceHarness } from '../source-harness.js';

const CONTACTS = 2000;
const TAG = 'Major Donor';

/**
 * Virtuous CRM+ through simulators/virtuous: numeric ids (`id BIGINT`), archived contacts included by
 * default, `--where` filters checked against QueryOptions. An incremental run may repeat, unchanged,
 * contacts modified at or after the previous watermark (docs/sources/virtuous.md, "The watermark, and what
 * a run may repeat").
 */
export class VirtuousHarness implements SourceHarness {
  readonly source = 'virtuous';
  readonly label = 'virtuous';
  readonly credentialVariable = 'VIRTUOUS_API_TOKEN';
  readonly baseUrlVariable = 'VIRTUOUS_BASE_URL';
  readonly idColumn = { name: 'id', type: 'BIGINT' };
  readonly modifiedColumn = 'modifiedDateTimeUtc';
  readonly incrementalMayRepeatBoundary = true;
  /** Ranges page with `Contact Id GreaterThan <last id>`: nothing is read twice. */
  readonly rowsReadAgainPerWalk = 0;

  private simulator: VirtuousSimulator | undefined;
  private changes = 0;

  private get sim(): VirtuousSimulator {
    if (!this.simulator) throw new Error('the Virtuous harness was not started');
    return this.simulator;
  }

  async start(): Promise<void> {
    this.simulator = await startVirtuousSimulator({ contacts: CONTACTS, seed: 29 });
  }

  async stop(): Promise<void> {
    await this.simulator?.close();
  }

  env(): Record<string, string> {
    return { [this.baseUrlVariable]: this.sim.url, [this.credentialVariable]: this.sim.token };
  }

  currentIds(): ContactId[] {
    return this.sim.expectedIds({ includeArchived: true });
  }

  modifiedAt(id: ContactId): string | undefined {
    return this.sim.fullContact(Number(id))?.modifiedDateTimeUtc;
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

  /** Edits four contacts (one twice), archives one, inserts three. */
  changeContacts(): ContactId[] {
    const round = ++this.changes;
    const live = this.sim.expectedIds();
    const picked = [live[7 * round]!, live[400 + round]!, live[1200 + round]!, live.at(-1 - round)!];
    for (const id of picked) this.sim.edit(id, { name: `Conformance ${round} ${id}` });
    this.sim.edit(picked[0]!, { description: `edited twice in round ${round}` });
    const archived = live[900 + round]!;
    this.sim.archive(archived);
    return [...picked, archived, ...this.sim.insert(3)];
  }

  async validFilter(): Promise<FilterCase> {
    const ids = this.currentIds().filter((id) => this.sim.fullContact(Number(id))!.tags.includes(TAG));
    return { args: ['--where', `Tag IsAnyOf "${TAG}"`], ids };
  }

  async refusedFilter(): Promise<RefusedFilterCase> {
    return { args: ['--where', `Tga IsAnyOf ${TAG}`], message: /unknown parameter "Tga".*did you mean "Tag"/ };
  }
}

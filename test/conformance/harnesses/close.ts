import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloseSimulator, type CloseSimulator } from '../../../simulators/close/index.js';
import type { ContactId, FilterCase, RefusedFilterCase, SourceHarness } from '../source-harness.js';

const CONTACTS = 2000;

/**
 * Close through simulators/close: string ids (`id VARCHAR`), contacts walked by date_created, `--query FILE`
 * filters (a Contact Filtering query tree) checked before anything is enqueued. Incremental runs are exact:
 * ids already written at the watermark's instant are left out (docs/sources/close.md, the manifest's
 * `incremental.sinceIds`).
 */
export class CloseHarness implements SourceHarness {
  readonly source = 'close';
  readonly label = 'close';
  readonly credentialVariable = 'CLOSE_API_KEY';
  readonly baseUrlVariable = 'CLOSE_BASE_URL';
  readonly idColumn = { name: 'id', type: 'VARCHAR' };
  readonly modifiedColumn = 'date_updated';
  readonly incrementalMayRepeatBoundary = false;
  /**
   * A walk restarts `on_or_after` the last date_created read and drops the ids it already has
   * (docs/sources/close.md, "Pages, cursors and caps"), and a window ends only with a walk that brings nothing
   * new: each such walk is served the last contact again. Every contact of this simulator (no
   * `sharedTimestamp`) has its own date_created, so that is one row.
   */
  readonly rowsReadAgainPerWalk = 1;

  private simulator: CloseSimulator | undefined;
  private directory: string | undefined;
  private changes = 0;

  private get sim(): CloseSimulator {
    if (!this.simulator) throw new Error('the Close harness was not started');
    return this.simulator;
  }

  async start(): Promise<void> {
    this.directory = await mkdtemp(join(tmpdir(), 'close-harness-'));
    this.simulator = await startCloseSimulator({ contacts: CONTACTS, seed: 31 });
  }

  async stop(): Promise<void> {
    await this.simulator?.close();
    if (this.directory) await rm(this.directory, { recursive: true, force: true });
  }

  env(): Record<string, string> {
    return { [this.baseUrlVariable]: this.sim.url, [this.credentialVariable]: this.sim.apiKey };
  }

  currentIds(): ContactId[] {
    return this.sim.expectedIds();
  }

  modifiedAt(id: ContactId): string | undefined {
    const updated = this.sim.contact(String(id))?.date_updated;
    return typeof updated === 'string' ? updated : undefined;
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

  /** Edits four contacts (one twice), inserts three. */
  changeContacts(): ContactId[] {
    const round = ++this.changes;
    const all = this.sim.expectedIds();
    const picked = [all[5 * round]!, all[600 + round]!, all[1300 + round]!, all.at(-1 - round)!];
    for (const id of picked) this.sim.edit(id, { title: `Conformance ${round} ${id}` });
    this.sim.edit(picked[0]!, { name: `Twice Edited ${round}` });
    return [...picked, ...this.sim.insert(3)];
  }

  /** Contacts whose lead has the status "Customer" and that have at least one email. */
  async validFilter(): Promise<FilterCase> {
    const all = this.sim.expectedIds();
    const customer = all.map((id) => this.sim.leadOf(id)!).find((lead) => lead.status_label === 'Customer');
    if (!customer) throw new Error('the Close simulator generated no Customer lead');
    const statusId = customer.status_id as string;
    const ids = all.filter((id) => this.sim.leadOf(id)!.status_id === statusId && (this.sim.contact(id)!.emails as unknown[]).length >= 1);
    const file = await this.writeQuery('customers-with-email.json', {
      type: 'and',
      queries: [
        {
          type: 'has_related',
          this_object_type: 'contact',
          related_object_type: 'lead',
          related_query: {
            type: 'field_condition',
            field: { type: 'regular_field', object_type: 'lead', field_name: 'status_id' },
            condition: { type: 'reference', reference_type: 'status', object_ids: [statusId] },
          },
        },
        {
          type: 'field_condition',
          field: { type: 'regular_field', object_type: 'contact', field_name: 'emails_count' },
          condition: { type: 'number_range', gte: 1 },
        },
      ],
    });
    return { args: ['--query', file], ids };
  }

  async refusedFilter(): Promise<RefusedFilterCase> {
    const file = await this.writeQuery('unsupported-node.json', {
      type: 'and',
      queries: [
        { type: 'object_type', object_type: 'contact' },
        { type: 'fuzzy', value: 'x' },
      ],
    });
    return {
      args: ['--query', file],
      message: /not a valid Close query: query\.queries\[1\]\.type "fuzzy" is not a supported query type/,
    };
  }

  private async writeQuery(name: string, query: unknown): Promise<string> {
    if (!this.directory) throw new Error('the Close harness was not started');
    const file = join(this.directory, name);
    await writeFile(file, JSON.stringify(query));
    return file;
  }
}

import { ArchivedIndex } from './archived-index.js';
import type { ContactFacts } from './contact-facts.js';
import type { ContactGenerator } from './contact-generator.js';
import type { SimTimestamp } from './dotnet-timestamp.js';
import type { QueryableStore } from './query-executor.js';
import type { SimulatorClock } from './simulator-clock.js';

export interface ContactEdit {
  name?: string;
  informalName?: string | null;
  description?: string | null;
  tags?: string[];
}

interface ContactOverride extends ContactEdit {
  created?: SimTimestamp;
  modified?: SimTimestamp;
}

/**
 * The simulator's contacts: generated ones (by index) plus an overlay of mutations. Inserted contacts
 * continue the generated index sequence, so id <-> index stays arithmetic for every contact.
 */
export class ContactStore implements QueryableStore<ContactFacts> {
  private readonly archived: ArchivedIndex;
  private readonly overrides = new Map<number, ContactOverride>();

  constructor(
    private readonly generator: ContactGenerator,
    baseCount: number,
    private readonly clock: SimulatorClock,
  ) {
    this.archived = new ArchivedIndex(baseCount, (index) => generator.isInitiallyArchived(index));
  }

  get count(): number {
    return this.archived.length;
  }

  idAt(index: number): number {
    return this.generator.idAt(index);
  }

  /** Smallest index whose id is >= `id`, or `count`. */
  lowerBoundIndex(id: number): number {
    return this.generator.lowerBoundIndex(id, this.count);
  }

  indexOfId(id: number): number {
    return this.generator.indexOfId(id, this.count);
  }

  isArchived(index: number): boolean {
    return this.archived.isArchived(index);
  }

  /** Archived contacts are out of default queries (`includeArchived: true` brings them back). */
  isHidden(index: number): boolean {
    return this.archived.isArchived(index);
  }

  liveBefore(end: number): number {
    return this.archived.liveBefore(end);
  }

  liveIn(start: number, end: number): number {
    return this.archived.liveIn(start, end);
  }

  selectLive(rank: number): number {
    return this.archived.selectLive(rank);
  }

  facts(index: number): ContactFacts {
    const facts = this.generator.facts(index);
    facts.archived = this.archived.isArchived(index);
    const override = this.overrides.get(index);
    if (override) Object.assign(facts, override);
    return facts;
  }

  edit(id: number, changes: ContactEdit): void {
    const index = this.requireIndex(id);
    const edit: ContactEdit = {};
    if (changes.name !== undefined) edit.name = changes.name;
    if (changes.informalName !== undefined) edit.informalName = changes.informalName;
    if (changes.description !== undefined) edit.description = changes.description;
    if (changes.tags !== undefined) edit.tags = [...changes.tags];
    this.override(index, { ...edit, modified: this.clock.nextMutationTimestamp() });
  }

  archive(id: number): void {
    const index = this.requireIndex(id);
    this.archived.setArchived(index, true);
    this.override(index, { modified: this.clock.nextMutationTimestamp() });
  }

  insert(count: number): number[] {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`insert count must be a non-negative integer, got ${count}`);
    const first = this.count;
    this.archived.appendLive(count);
    const ids: number[] = [];
    for (let index = first; index < first + count; index++) {
      const now = this.clock.nextMutationTimestamp();
      this.overrides.set(index, { created: now, modified: now });
      ids.push(this.generator.idAt(index));
    }
    return ids;
  }

  private override(index: number, changes: ContactOverride): void {
    this.overrides.set(index, { ...this.overrides.get(index), ...changes });
  }

  private requireIndex(id: number): number {
    const index = this.indexOfId(id);
    if (index < 0) throw new RangeError(`The simulator has no contact with id ${id}`);
    return index;
  }
}

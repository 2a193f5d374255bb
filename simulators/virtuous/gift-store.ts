import { ArchivedIndex } from './archived-index.js';
import type { SimTimestamp } from './dotnet-timestamp.js';
import type { GiftFacts } from './gift-facts.js';
import { midnight, splitAmount, type GiftGenerator } from './gift-generator.js';
import type { QueryableStore } from './query-executor.js';
import type { SimulatorClock } from './simulator-clock.js';
import type { VirtuousFullGift } from './virtuous-gift.js';

/** The fields a test may change on a gift (or set on an inserted one), as the record shows them. */
export type GiftEdit = Partial<Pick<VirtuousFullGift, 'amount' | 'giftDate' | 'giftType' | 'segment' | 'batch'>>;

type GiftOverride = Partial<
  Pick<GiftFacts, 'amountCents' | 'designations' | 'giftDate' | 'giftType' | 'segment' | 'batch' | 'receiptDate' | 'created' | 'modified'>
>;

const MIDNIGHT_DATE = /^\d{4}-\d{2}-\d{2}T00:00:00$/;
const SECONDS_PER_DAY = 86_400;

/**
 * The simulator's gifts: generated ones (by index) plus an overlay of mutations. Inserted gifts continue
 * the generated index sequence, so id <-> index stays arithmetic for every gift. Deleted gifts are
 * flagged in an ArchivedIndex, as archived contacts are, but no query brings them back: a deletion is
 * hard (docs/sources/virtuous.md, "Evidence: archives, merges and deletions").
 */
export class GiftStore implements QueryableStore<GiftFacts> {
  private readonly deleted: ArchivedIndex;
  private readonly overrides = new Map<number, GiftOverride>();

  constructor(
    private readonly generator: GiftGenerator,
    baseCount: number,
    private readonly clock: SimulatorClock,
  ) {
    this.deleted = new ArchivedIndex(baseCount, () => false);
  }

  /** Gifts ever held, deleted ones included. */
  get count(): number {
    return this.deleted.length;
  }

  idAt(index: number): number {
    return this.generator.idAt(index);
  }

  /** Smallest index whose id is >= `id`, or `count`. */
  lowerBoundIndex(id: number): number {
    return this.generator.lowerBoundIndex(id, this.count);
  }

  /** Index of the gift with this id, unless there is none or it was deleted: -1. */
  indexOfId(id: number): number {
    const index = this.generator.indexOfId(id, this.count);
    return index >= 0 && this.deleted.isArchived(index) ? -1 : index;
  }

  isHidden(index: number): boolean {
    return this.deleted.isArchived(index);
  }

  liveBefore(end: number): number {
    return this.deleted.liveBefore(end);
  }

  selectLive(rank: number): number {
    return this.deleted.selectLive(rank);
  }

  facts(index: number): GiftFacts {
    const facts = this.generator.facts(index);
    const override = this.overrides.get(index);
    if (override) Object.assign(facts, override);
    return facts;
  }

  edit(id: number, changes: GiftEdit): void {
    const index = this.requireIndex(id);
    this.override(index, { ...this.changed(index, changes), modified: this.clock.nextMutationTimestamp() });
  }

  /** A new gift above every id so far, dated the simulator's today unless `fields` say otherwise; returns its id. */
  insert(fields: GiftEdit = {}): number {
    const index = this.count;
    const changes = this.changed(index, fields);
    this.deleted.appendLive(1);
    const now = this.clock.nextMutationTimestamp();
    this.overrides.set(index, { giftDate: midnight(utcDay(now)), receiptDate: null, created: now, modified: now, ...changes });
    return this.generator.idAt(index);
  }

  /** Hard-deletes the gift: from now on no query returns it. */
  delete(id: number): void {
    const index = this.requireIndex(id);
    this.deleted.setArchived(index, true);
    this.overrides.delete(index);
  }

  /** The override that `changes` make to the gift at `index`, checked: a changed amount is split anew between its projects. */
  private changed(index: number, changes: GiftEdit): GiftOverride {
    const override: GiftOverride = {};
    if (changes.amount !== undefined) {
      if (!Number.isFinite(changes.amount) || changes.amount < 0) throw new RangeError(`A gift amount must be a number >= 0, got ${changes.amount}`);
      override.amountCents = Math.round(changes.amount * 100);
      const projects = this.facts(index).designations.map((designation) => ({ id: designation.projectId, name: designation.project }));
      override.designations = splitAmount(override.amountCents, projects);
    }
    if (changes.giftDate !== undefined) {
      if (!MIDNIGHT_DATE.test(changes.giftDate)) throw new RangeError(`giftDate must look like 2023-12-08T00:00:00, got '${changes.giftDate}'`);
      override.giftDate = changes.giftDate;
    }
    if (changes.giftType !== undefined) override.giftType = changes.giftType;
    if (changes.segment !== undefined) override.segment = changes.segment;
    if (changes.batch !== undefined) override.batch = changes.batch;
    return override;
  }

  private override(index: number, changes: GiftOverride): void {
    this.overrides.set(index, { ...this.overrides.get(index), ...changes });
  }

  private requireIndex(id: number): number {
    const index = this.indexOfId(id);
    if (index < 0) throw new RangeError(`The simulator has no gift with id ${id}`);
    return index;
  }
}

function utcDay(timestamp: SimTimestamp): number {
  return Math.floor(timestamp.epochSeconds / SECONDS_PER_DAY);
}

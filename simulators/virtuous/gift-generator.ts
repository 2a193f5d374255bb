import { GENERATED_HISTORY_END, type ContactGenerator } from './contact-generator.js';
import { individualIdOf } from './contact-records.js';
import { formatUtcDay, TICKS_PER_SECOND, type SimTimestamp } from './dotnet-timestamp.js';
import type { DesignationFacts, GiftFacts } from './gift-facts.js';
import { GIFT_SEGMENTS, GIFT_TYPES, PROJECTS, TRANSACTION_SOURCES } from './generator-vocabulary.js';
import { IdSequence } from './id-sequence.js';
import { IndexHasher } from './index-hasher.js';

/** Lowest possible gift id of the first organization: far above its contact ids, so a contact id never names a gift. */
export const FIRST_GIFT_ID = 50_000_000;
/** Gift ids advance by this stride plus a random gap below it, as contact ids do. */
export const GIFT_ID_STRIDE = 3;

/** Mixed into the organization's seed, so that gift number k draws nothing in common with contact number k. */
const GIFT_SEED_SALT = 0x67696674;
const SECONDS_PER_DAY = 86_400;
/** The last generated gift date leaves room before the end of the generated history for its receipt and entry. */
const LAST_GIFT_DAY = Math.floor(GENERATED_HISTORY_END / SECONDS_PER_DAY) - 15;

/** Salts: one per independent random draw, so fields can be generated separately and deterministically. */
const enum Salt {
  IdGap = 1,
  Contact,
  Individual,
  IndividualPick,
  GiftDay,
  GiftType,
  Dollars,
  HasCents,
  Cents,
  Segment,
  SegmentPick,
  Batch,
  BatchNumber,
  TaxDeductible,
  Receipt,
  ReceiptDelay,
  Private,
  Source,
  SourcePick,
  TransactionNumber,
  SecondDesignation,
  FirstProject,
  SecondProject,
  DesignationShare,
  EnteredDays,
  EnteredSecond,
  CreatedTicks,
  Unmodified,
  ModifiedSecond,
  ModifiedTicks,
}

export interface GiftGeneratorOptions {
  /** The organization's seed (the contacts' seed: gifts mix in a salt of their own). */
  seed: number;
  /** Lowest possible id (the first gift's id is at most GIFT_ID_STRIDE - 1 above it); default FIRST_GIFT_ID. */
  firstId?: number;
  /** The organization's contacts, to which the gifts belong. */
  contacts: ContactGenerator;
  /** How many of them gifts are drawn among: the generated ones (inserted contacts have no gifts). */
  contactCount: number;
}

/** Builds gift number `index` from the seed alone, as ContactGenerator builds contacts; nothing is stored. */
export class GiftGenerator {
  private readonly hash: IndexHasher;
  private readonly ids: IdSequence;
  private readonly contacts: ContactGenerator;
  private readonly contactCount: number;

  constructor(options: GiftGeneratorOptions) {
    this.hash = new IndexHasher(options.seed ^ GIFT_SEED_SALT);
    this.ids = new IdSequence(this.hash, Salt.IdGap, options.firstId ?? FIRST_GIFT_ID, GIFT_ID_STRIDE);
    this.contacts = options.contacts;
    this.contactCount = options.contactCount;
  }

  idAt(index: number): number {
    return this.ids.idAt(index);
  }

  /** Smallest index in [0, count] whose id is >= `id` (`count` when there is none). */
  lowerBoundIndex(id: number, count: number): number {
    return this.ids.lowerBoundIndex(id, count);
  }

  /** Index of the gift with this id among `count` gifts, or -1. */
  indexOfId(id: number, count: number): number {
    return this.ids.indexOfId(id, count);
  }

  facts(index: number): GiftFacts {
    if (this.contactCount < 1) throw new RangeError('Gifts need at least one contact to belong to');
    const h = this.hash;
    const id = this.idAt(index);
    const contact = this.contacts.facts(h.below(index, Salt.Contact, this.contactCount));
    const individuals = contact.individuals.length;
    const contactIndividualId =
      individuals > 0 && h.chance(index, Salt.Individual, 0.8) ? individualIdOf(contact.id, h.below(index, Salt.IndividualPick, individuals)) : null;
    // A gift falls between its contact's creation and the end of the generated history.
    const firstDay = Math.floor(contact.created.epochSeconds / SECONDS_PER_DAY);
    const giftDay = firstDay + h.below(index, Salt.GiftDay, Math.max(1, LAST_GIFT_DAY - firstDay));
    const giftType = this.giftType(index);
    const amountCents = this.amountCents(index);
    const isTaxDeductible = h.chance(index, Salt.TaxDeductible, giftType === 'Non-Cash' ? 0.3 : 0.95);
    const created = this.created(index, giftDay);
    const source = h.chance(index, Salt.Source, 0.65) ? h.pick(TRANSACTION_SOURCES, index, Salt.SourcePick) : null;
    return {
      index,
      id,
      contactId: contact.id,
      contactIndividualId,
      contactName: contact.name,
      giftType,
      giftDate: midnight(giftDay),
      amountCents,
      segment: h.chance(index, Salt.Segment, 0.7) ? h.pick(GIFT_SEGMENTS, index, Salt.SegmentPick) : null,
      batch: h.chance(index, Salt.Batch, 0.55) ? `Batch ${1000 + h.below(index, Salt.BatchNumber, 9000)}` : null,
      receiptDate: isTaxDeductible && h.chance(index, Salt.Receipt, 0.85) ? midnight(giftDay + h.below(index, Salt.ReceiptDelay, 10)) : null,
      isPrivate: h.chance(index, Salt.Private, 0.03),
      isTaxDeductible,
      transactionSource: source,
      transactionId:
        source !== null && (giftType === 'Credit' || giftType === 'EFT')
          ? `TX${String(h.u32(index, Salt.TransactionNumber)).padStart(10, '0')}`
          : null,
      designations: this.designations(index, amountCents),
      created,
      modified: h.chance(index, Salt.Unmodified, 0.3) ? created : this.later(index, created),
    };
  }

  private giftType(index: number): string {
    let roll = this.hash.unit(index, Salt.GiftType);
    for (const type of GIFT_TYPES) {
      if (roll < type.share) return type.name;
      roll -= type.share;
    }
    return GIFT_TYPES[0]!.name;
  }

  /** $5 to about $4,000, spread evenly over the orders of magnitude; a quarter of them with cents. */
  private amountCents(index: number): number {
    const h = this.hash;
    const dollars = Math.round(10 ** (0.7 + h.unit(index, Salt.Dollars) * 2.9));
    return dollars * 100 + (h.chance(index, Salt.HasCents, 0.25) ? h.below(index, Salt.Cents, 100) : 0);
  }

  /** One project, or two (a fifth of the gifts) sharing the amount. */
  private designations(index: number, amountCents: number): DesignationFacts[] {
    const h = this.hash;
    const first = h.below(index, Salt.FirstProject, PROJECTS.length);
    if (!h.chance(index, Salt.SecondDesignation, 0.2)) return splitAmount(amountCents, [PROJECTS[first]!]);
    const second = (first + 1 + h.below(index, Salt.SecondProject, PROJECTS.length - 1)) % PROJECTS.length;
    const firstShare = 0.2 + h.unit(index, Salt.DesignationShare) * 0.6;
    const firstCents = Math.round(amountCents * firstShare);
    return [
      { projectId: PROJECTS[first]!.id, project: PROJECTS[first]!.name, amountCents: firstCents },
      { projectId: PROJECTS[second]!.id, project: PROJECTS[second]!.name, amountCents: amountCents - firstCents },
    ];
  }

  /** Entered up to three days after the gift date, at any second, with 7 fractional digits as recorded gifts have. */
  private created(index: number, giftDay: number): SimTimestamp {
    const h = this.hash;
    const entered = (giftDay + h.below(index, Salt.EnteredDays, 4)) * SECONDS_PER_DAY + h.below(index, Salt.EnteredSecond, SECONDS_PER_DAY);
    return { epochSeconds: Math.min(entered, GENERATED_HISTORY_END - 2), ticks: h.below(index, Salt.CreatedTicks, TICKS_PER_SECOND) };
  }

  /** A modification after `created`, before the end of the generated history. */
  private later(index: number, created: SimTimestamp): SimTimestamp {
    const h = this.hash;
    return {
      epochSeconds: created.epochSeconds + 1 + h.below(index, Salt.ModifiedSecond, GENERATED_HISTORY_END - created.epochSeconds - 1),
      ticks: h.below(index, Salt.ModifiedTicks, TICKS_PER_SECOND),
    };
  }
}

/** Splits an amount between projects evenly, the first taking the cents left over, so the parts add up to it. */
export function splitAmount(amountCents: number, projects: readonly { id: number; name: string }[]): DesignationFacts[] {
  const share = Math.floor(amountCents / projects.length);
  return projects.map((project, k) => ({
    projectId: project.id,
    project: project.name,
    amountCents: k === 0 ? amountCents - share * (projects.length - 1) : share,
  }));
}

/** `2023-12-08T00:00:00`: a date as a .NET date-time at midnight without a zone. */
export function midnight(utcDay: number): string {
  return `${formatUtcDay(utcDay)}T00:00:00`;
}

import { formatMoney, monthDayYear } from './contact-records.js';
import { formatZuluTimestamp } from './dotnet-timestamp.js';
import type { GiftFacts } from './gift-facts.js';
import type { VirtuousAbbreviatedGift, VirtuousFullGift } from './virtuous-gift.js';

/**
 * Which fields a full gift carries (a mode: the evidence shows both): `documented`, those the vendor's
 * documentation lists for FullGift; `recorded`, also every field a recorded real gift (a public client's
 * fixture) holds beyond them, with the formatted amount and date beside the raw ones.
 */
export type GiftShape = 'documented' | 'recorded';

export const GIFT_SHAPES: readonly GiftShape[] = ['documented', 'recorded'];

/** The culture every simulated organization works in: the recorded gift's, whose formatted date is M/D/YYYY. */
const CULTURE = 'en-US';
const CURRENCY = 'USD';

/** Shapes facts into the item of `POST /api/Gift/Query` (the same in both shapes, as contacts' abbreviated items). */
export function toAbbreviatedGift(facts: GiftFacts): VirtuousAbbreviatedGift {
  return {
    id: facts.id,
    contactId: facts.contactId,
    contactIndividualId: facts.contactIndividualId,
    giftType: facts.giftType,
    giftDate: facts.giftDate,
    amount: facts.amountCents / 100,
    segment: facts.segment,
    batch: facts.batch,
    giftUrl: `/api/Gift/${facts.id}`,
    culture: CULTURE,
    exchangeRate: 1,
  };
}

/** Shapes facts into the item of `POST /api/Gift/Query/FullGift`. */
export function toFullGift(facts: GiftFacts, shape: GiftShape = 'documented'): VirtuousFullGift {
  const documented: VirtuousFullGift = {
    ...toAbbreviatedGift(facts),
    createDateTimeUtc: formatZuluTimestamp(facts.created),
    modifiedDateTimeUtc: formatZuluTimestamp(facts.modified),
    transactionSource: facts.transactionSource,
    transactionId: facts.transactionId,
    giftDesignations: facts.designations.map((designation, k) => ({
      id: facts.id * 4 + k,
      projectId: designation.projectId,
      project: designation.project,
      amountDesignated: designation.amountCents / 100,
    })),
  };
  return shape === 'recorded' ? withRecordedFields(documented, facts) : documented;
}

/**
 * The documented record plus the fields the recorded real gift shows beyond it (source-apis "Responses",
 * observed). The evidence names `customFields`, `giftPremiums`, `pledgePayments` and
 * `recurringGiftPayments` without their items, so they are served empty rather than with invented keys.
 */
function withRecordedFields(record: VirtuousFullGift, facts: GiftFacts): VirtuousFullGift {
  const recorded: Record<string, unknown> = {
    ...record,
    amountFormatted: formatGiftAmount(facts.amountCents),
    currencyCode: CURRENCY,
    baseCurrencyCode: CURRENCY,
    giftDateFormatted: monthDayYear(facts.giftDate),
    contactName: facts.contactName,
    contactUrl: `/api/Contact/${facts.contactId}`,
    receiptDate: facts.receiptDate,
    isPrivate: facts.isPrivate,
    isTaxDeductible: facts.isTaxDeductible,
    customFields: [],
    giftPremiums: [],
    pledgePayments: [],
    recurringGiftPayments: [],
  };
  return recorded as unknown as VirtuousFullGift;
}

/**
 * `$10.50`, as the recorded gift shows its amount; whole amounts keep their cents too (`$25.00`, ours: the
 * one recorded gift has cents, and a currency format with two decimals is what would write `$10.50`).
 */
function formatGiftAmount(cents: number): string {
  const money = formatMoney(cents);
  return cents % 100 === 0 ? `${money}.00` : money;
}

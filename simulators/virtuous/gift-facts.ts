import type { SimTimestamp } from './dotnet-timestamp.js';

/**
 * Everything the simulator knows about one gift, before it is shaped into a Virtuous record.
 * Filters and sort keys read these facts; `gift-records.ts` turns them into response items.
 */
export interface GiftFacts {
  index: number;
  id: number;
  /** The organization's contact it belongs to. */
  contactId: number;
  /** One of that contact's individuals, or null (a gift of the household or organization as a whole). */
  contactIndividualId: number | null;
  /** The contact's name as generated (a recorded gift's `contactName`). */
  contactName: string;
  giftType: string;
  /** A .NET date-time at midnight without a zone: `2023-12-08T00:00:00`. */
  giftDate: string;
  /** In cents, so that money stays exact; served in dollars (`10.5`). */
  amountCents: number;
  segment: string | null;
  batch: string | null;
  /** A .NET date-time at midnight, or null when no receipt was sent. */
  receiptDate: string | null;
  isPrivate: boolean;
  isTaxDeductible: boolean;
  transactionSource: string | null;
  transactionId: string | null;
  /** How the amount is split between projects; the amounts add up to the gift's. */
  designations: DesignationFacts[];
  created: SimTimestamp;
  modified: SimTimestamp;
}

export interface DesignationFacts {
  projectId: number;
  project: string;
  amountCents: number;
}

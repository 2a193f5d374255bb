/**
 * Gift shapes returned by Virtuous CRM+ (docs/sources/virtuous.md, "Evidence: beyond contacts" and
 * "Evidence: answers"). Gift timestamps carry a `Z` and 7 fractional digits; gift dates are .NET
 * date-times at midnight without a zone.
 */

/** Item of `POST /api/Gift/Query`: no timestamps. */
export interface VirtuousAbbreviatedGift {
  id: number;
  contactId: number;
  contactIndividualId: number | null;
  giftType: string;
  /** `2023-12-08T00:00:00`. */
  giftDate: string;
  /** A JSON number in the gift's currency: `10.5`. */
  amount: number;
  segment: string | null;
  batch: string | null;
  /** `/api/Gift/{id}`. */
  giftUrl: string;
  /** `en-US`. */
  culture: string;
  exchangeRate: number;
}

/** One entry of `giftDesignations` (its keys are the simulator's: the evidence names the list, not its items' keys). */
export interface VirtuousGiftDesignation {
  id: number;
  projectId: number;
  project: string;
  amountDesignated: number;
}

/** Item of `POST /api/Gift/Query/FullGift`. */
export interface VirtuousFullGift extends VirtuousAbbreviatedGift {
  /** `2023-12-08T16:56:52.6126031Z`. */
  createDateTimeUtc: string;
  modifiedDateTimeUtc: string;
  transactionSource: string | null;
  transactionId: string | null;
  giftDesignations: VirtuousGiftDesignation[];
}

export type VirtuousGift = VirtuousAbbreviatedGift | VirtuousFullGift;

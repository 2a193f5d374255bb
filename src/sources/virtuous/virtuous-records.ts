import type { RecordSchema } from '../../sinks/record-schema.js';
import { virtuousAbbreviatedContactSchema } from './virtuous-abbreviated-contact-schema.js';
import { virtuousFullContactSchema } from './virtuous-full-contact-schema.js';
import { virtuousAbbreviatedGiftSchema, virtuousFullGiftSchema } from './virtuous-gift-schema.js';

/**
 * What differs between the Virtuous record types that follow the Query pattern (docs/sources/virtuous.md,
 * "Evidence: beyond contacts"): the resource and its endpoints, the id parameter, the tables and schemas.
 * Paging by id, the take ladder, the filter and the change cut are the same for all of them.
 */
export interface VirtuousRecords {
  /** `--records`: `contacts`, `gifts`. */
  readonly name: 'contacts' | 'gifts';
  /** One record, in messages. */
  readonly noun: string;
  /** `/api/Contact`: `POST <resource>/Query`, `GET <resource>/QueryOptions`. */
  readonly resource: string;
  /** The full records' query under the resource: `/Query/FullContact`. */
  readonly fullQuery: string;
  /**
   * The id parameter: the name to prefer when QueryOptions offers it, and the spellings taken for it
   * otherwise; only a parameter QueryOptions lists is ever sent.
   */
  readonly idParameter: { preferred: string; spellings: RegExp };
  /** A `--where` condition with parameters the evidence shows for it, for `bulk-export options`. */
  readonly whereExample: string;
  /** Whether queries take `includeArchived`: only contacts are evidenced to be archived. */
  readonly archivable: boolean;
  /**
   * Whether the largest `take` is unsettled (gifts: 1000 in a production connector, 500 in the vendor's
   * workflow node): `start` then asks once with the page size, stepping down while the API refuses it.
   */
  readonly takeUnsettled: boolean;
  /** Abbreviated and full records have different columns, so each has a table of its own. */
  readonly tables: { abbreviated: string; full: string };
  readonly schemas: { abbreviated: RecordSchema; full: RecordSchema };
}

export const VIRTUOUS_CONTACTS: VirtuousRecords = {
  name: 'contacts',
  noun: 'contact',
  resource: '/api/Contact',
  fullQuery: '/Query/FullContact',
  // `Contact Id` is documented; organizations were seen to spell it otherwise.
  idParameter: { preferred: 'Contact Id', spellings: /^(contact\s*)?id$/i },
  whereExample: 'Tag IsAnyOf Major Donor',
  archivable: true,
  // 1000 is documented (one guide says 500: `--page-size`).
  takeUnsettled: false,
  tables: { abbreviated: 'virtuous/contacts', full: 'virtuous/full_contacts' },
  schemas: { abbreviated: virtuousAbbreviatedContactSchema, full: virtuousFullContactSchema },
};

export const VIRTUOUS_GIFTS: VirtuousRecords = {
  name: 'gifts',
  noun: 'gift',
  resource: '/api/Gift',
  fullQuery: '/Query/FullGift',
  // Gift QueryOptions are not published: `Gift Id` is seen in a fixture of the same family, so it is only preferred.
  idParameter: { preferred: 'Gift Id', spellings: /^(gift\s*)?id$/i },
  whereExample: 'Gift Date OnOrAfter 2024-01-01',
  archivable: false,
  takeUnsettled: true,
  tables: { abbreviated: 'virtuous/gifts', full: 'virtuous/full_gifts' },
  schemas: { abbreviated: virtuousAbbreviatedGiftSchema, full: virtuousFullGiftSchema },
};

/** The record type of that name (`--records`), as the Virtuous source reads it. */
export function virtuousRecords(name: string): VirtuousRecords {
  const records = [VIRTUOUS_CONTACTS, VIRTUOUS_GIFTS].find((candidate) => candidate.name === name);
  if (!records) throw new RangeError(`Virtuous has no record type "${name}"`);
  return records;
}

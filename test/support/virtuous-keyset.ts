import type { IdKeyset } from '../../src/sources/virtuous/query-options.js';

/** The id keyset an organization offering the documented operators gets. */
export const CONTACT_ID_KEYSET: IdKeyset = { parameter: 'Contact Id', after: 'GreaterThan', upTo: 'LessThanOrEqual' };

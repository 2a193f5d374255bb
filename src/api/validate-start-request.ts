import { MIN_RANGE_ROWS } from '../planning/export-range.js';
import type { CredentialHandover, StartExportRequest } from '../queue/operations/start-export.js';
import { recordTypeOf, SOURCE_DEFINITIONS, sourceDefinition, sourceNames } from '../sources/registry.js';
import { checkCredential } from './credential-request.js';
import type { StartRequest } from './start-request.js';
import { checkOptionalAccount } from './validate-names.js';
import { validateSourceOptions } from './validate-source-options.js';
import { checkOptionalBoolean, checkOptionalString, checkRecord, checkRequiredString, checkWholeNumber } from './validate-values.js';

/** `--part-rows`: at most this many rows per part file (src/cli/start-options.ts declares the same bound). */
export const MAX_PART_ROWS = 10_000_000;

/** A start request checked as the CLI's option parsers check their flags, and the credential handed over apart from it. */
export interface ValidatedStart {
  /** What the operations take, and a schedule stores: never the credential. */
  request: StartExportRequest;
  handover: CredentialHandover | undefined;
}

/**
 * Everything the CLI checks before an export's own preparation (which then checks the rest, for both: the
 * source's options, the destination, the credential, the API): the type of every field, numbers within the
 * flags' bounds, the account's name. Fields it does not know pass through to the operations unchanged.
 * Throws InvalidInputError; nothing is read or written.
 */
export function validateStartRequest(input: StartRequest): ValidatedStart {
  const { credential, ...fields } = checkRecord(input, 'A start request') as unknown as StartRequest;
  const source = checkRequiredString(fields.source, '--source', sourceNames().join(' or '));
  const records = checkOptionalString(fields.records, '--records');
  recordTypeOf(sourceDefinition(source), records);
  const dest = checkRequiredString(fields.dest, '--dest', 'the destination, s3://BUCKET/PREFIX');
  const account = checkOptionalAccount(fields.account);
  const largestPageSize = Math.max(...SOURCE_DEFINITIONS.map((definition) => definition.pageSize.max));
  const numbers = {
    partRows: optionalWholeNumber(fields.partRows, '--part-rows', 1, MAX_PART_ROWS),
    rangeRows: optionalWholeNumber(fields.rangeRows, '--range-rows', MIN_RANGE_ROWS),
    pageSize: optionalWholeNumber(fields.pageSize, '--page-size', 1, largestPageSize),
    limit: optionalWholeNumber(fields.limit, '--limit', 1),
  };
  const request: StartExportRequest = {
    ...fields,
    source,
    ...(records === undefined ? {} : { records }),
    dest,
    format: checkOptionalString(fields.format, '--format') ?? 'parquet',
    gzip: checkOptionalBoolean(fields.gzip, '--gzip'),
    rateLimit: checkOptionalString(fields.rateLimit, '--rate-limit'),
    since: checkOptionalString(fields.since, '--since'),
    incremental: checkOptionalBoolean(fields.incremental, '--incremental'),
    sourceOptions: validateSourceOptions(fields.sourceOptions),
    ...numbers,
  };
  if (account === undefined) delete request.account;
  else request.account = account;
  if (numbers.limit === undefined) delete request.limit;
  return { request, handover: credential === undefined ? undefined : { credential: checkCredential(credential) } };
}

function optionalWholeNumber(value: unknown, name: string, min: number, max?: number): number | undefined {
  return value === undefined ? undefined : checkWholeNumber(value, name, min, max);
}

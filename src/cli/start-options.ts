import { Option, type Command } from 'commander';
import { MIN_RANGE_ROWS } from '../planning/export-range.js';
import type { StartExportRequest } from '../queue/operations/start-export.js';
import { describeDefaultBudget } from '../sources/export-budget.js';
import { recordTypesNamed, SOURCE_DEFINITIONS, sourceDefinition, sourceNames } from '../sources/registry.js';
import { accountOption, wholeNumber } from './option-parsers.js';

/** Options shared by `start` and `schedule` (everything that describes an export), as commander gives them. */
export interface StartOptions {
  source: string;
  records?: string;
  dest: string;
  format: string;
  gzip?: boolean;
  rateLimit?: string;
  partRows?: number;
  rangeRows?: number;
  pageSize?: number;
  since?: string;
  incremental?: boolean;
  /** `--account`: checked by its parser. */
  account?: string;
  /** `--credential-stdin`: the account's credential comes on standard input (never part of the request). */
  credentialStdin?: boolean;
  /** Each source's own options, under their keys. */
  [sourceOption: string]: unknown;
}

/** Adds the export's options to `start` or `schedule`: the common ones, then every source's own, prefixed with its name. */
export function addStartOptions(command: Command, options: { incremental: boolean }): Command {
  const pageSizes = SOURCE_DEFINITIONS.map(
    (definition) => `${definition.name} ${definition.pageSize.default} (at most ${definition.pageSize.max})`,
  ).join(', ');
  const largestPageSize = Math.max(...SOURCE_DEFINITIONS.map((definition) => definition.pageSize.max));
  const budgets = SOURCE_DEFINITIONS.map((definition) => describeDefaultBudget(definition, formatRate)).join('; ');
  command
    .requiredOption('--source <name>', `source API: ${sourceNames().join(' or ')}`)
    .option(
      '--records <types>',
      `the record type to export (default the first), several separated by commas, or "all": one export each, on the account's one budget: ${describeRecordTypes()}`,
    )
    .addOption(accountOption('the organization whose credential the export reads with (docs/accounts.md)'))
    .option(
      '--credential-stdin',
      "hand over the account's credential on standard input: kept in Redis sealed with CREDENTIALS_KEY while an export or schedule needs it (docs/accounts.md)",
    )
    .requiredOption('--dest <url>', 'destination, s3://BUCKET/PREFIX')
    .addOption(new Option('--format <format>', 'part file format').default('parquet'))
    .option('--gzip', 'gzip NDJSON parts')
    .option(
      '--since <timestamp>',
      'only records modified at or after this ISO 8601 instant (UTC without a zone)' +
        (options.incremental ? '; with --incremental: only when no watermark exists yet' : ''),
    )
    .option(
      '--rate-limit <n/window>',
      `request budget of the account, e.g. 5000/1h; of each key where the API limits keys too, its organization getting its multiple (defaults: ${budgets})`,
    )
    .option(
      '--part-rows <n>',
      'rows per part file (default 10000; fewer for records a source declares wide, see docs/sources/)',
      wholeNumber('--part-rows', 1, 10_000_000),
    )
    .option(
      '--range-rows <n>',
      `wanted rows per range, planned by counting (at least ${MIN_RANGE_ROWS}; default: one range per worker slot, at least 50 pages each, split while they run)`,
      wholeNumber('--range-rows', MIN_RANGE_ROWS),
    )
    // Each source's own cap is checked when the export is prepared; here only the largest any source takes.
    .option('--page-size <n>', `records per request (defaults: ${pageSizes})`, wholeNumber('--page-size', 1, largestPageSize))
    .option(
      '--notify <url>',
      'POST a JSON notification signed with NOTIFY_SECRET to this http(s) URL when the export commits or fails, retried for a day (docs/notifications.md)',
    );
  if (options.incremental) {
    command.option(
      '--incremental',
      'records modified since the watermark of the last committed incremental export to this destination (first run: a full load); the commit advances it',
    );
  }
  for (const definition of SOURCE_DEFINITIONS) {
    for (const option of definition.options) {
      const added = new Option(option.flags, `${definition.name}: ${option.description}`);
      if (option.parse) added.argParser(option.parse);
      command.addOption(added);
    }
  }
  return command;
}

/**
 * The requests `start` and `schedule` make of commander's options, one per record type `--records` names (a
 * list, or `all`; checked, exit 2 for an unknown one): the common options, and the sources' own by key.
 */
export function toStartRequests(options: StartOptions): StartExportRequest[] {
  const request = toStartRequest(options);
  if (options.records === undefined) return [request];
  return recordTypesNamed(sourceDefinition(options.source), options.records).map((recordType) => ({ ...request, records: recordType.name }));
}

/** The request `start` and `schedule` make of commander's options: the common ones, and the sources' own by key. */
export function toStartRequest(options: StartOptions): StartExportRequest {
  const sourceOptions: Record<string, unknown> = {};
  for (const definition of SOURCE_DEFINITIONS) {
    for (const option of definition.options) if (options[option.key] !== undefined) sourceOptions[option.key] = options[option.key];
  }
  return {
    source: options.source,
    ...(options.records === undefined ? {} : { records: options.records }),
    dest: options.dest,
    format: options.format,
    gzip: options.gzip,
    rateLimit: options.rateLimit,
    partRows: options.partRows,
    rangeRows: options.rangeRows,
    pageSize: options.pageSize,
    since: options.since,
    incremental: options.incremental,
    sourceOptions,
    ...(options.account ? { account: options.account } : {}),
    ...(typeof options.limit === 'number' ? { limit: options.limit } : {}),
    ...(typeof options.notify === 'string' ? { notifyUrl: options.notify } : {}),
  };
}

function formatRate(limit: { requests: number; windowMs: number }): string {
  const units: [string, number][] = [
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ];
  const [unit, size] = units.find(([, size]) => limit.windowMs % size === 0) ?? ['ms', 1];
  const count = limit.windowMs / size;
  return `${limit.requests}/${count === 1 ? '' : count}${unit}`;
}

/** `virtuous: contacts; close: contacts`: every source's record types, for the flags' help. */
export function describeRecordTypes(): string {
  return SOURCE_DEFINITIONS.map((definition) => `${definition.name}: ${definition.recordTypes.map((recordType) => recordType.name).join(', ')}`).join(
    '; ',
  );
}

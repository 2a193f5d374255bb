import { Option, type Command } from 'commander';
import { MIN_RANGE_ROWS, type StartExportRequest } from '../planning/start-export.js';
import { wholeNumber } from './option-parsers.js';

/** Options shared by `start` and `schedule` (everything that describes an export). */
export interface StartOptions {
  source: string;
  dest: string;
  format: string;
  gzip?: boolean;
  includeArchived?: boolean;
  excludeArchived?: boolean;
  watermarkOverlap?: string;
  fullContact?: boolean;
  rateLimit?: string;
  partRows?: number;
  rangeRows?: number;
  pageSize?: number;
  sortBy?: string;
  fields?: string;
  query?: string;
  where?: string[];
  whereGroup?: string[];
  since?: string;
  incremental?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the export's options to `start` or `schedule`. */
export function addStartOptions(command: Command, options: { incremental: boolean }): Command {
  command
    .requiredOption('--source <name>', 'source API: virtuous or close')
    .requiredOption('--dest <url>', 'destination, s3://BUCKET/PREFIX')
    .addOption(new Option('--format <format>', 'part file format').default('parquet'))
    .option('--gzip', 'gzip NDJSON parts')
    .option('--include-archived', 'virtuous: include archived contacts (the default)')
    .option('--exclude-archived', 'virtuous: leave archived contacts out (not with --since/--incremental)')
    .option('--full-contact', 'virtuous: read complete records (Query/FullContact) instead of abbreviated ones')
    .option('--fields <list>', 'close: contact fields to export, comma-separated: regular fields, "custom" (every custom field found), custom.cf_<id>; default all')
    .option('--query <file>', 'close: JSON file with a Close query tree, ANDed into every search')
    .option('--where <clause>', 'virtuous: "PARAMETER OPERATOR VALUE" condition, e.g. "Tag IsAnyOf Major Donor" (repeatable, ANDed; see: bulk-export options)', collect)
    .option('--where-group <clauses>', 'virtuous: one OR alternative of ";"-separated conditions, e.g. "State Is CA; Tag IsAnyOf Board Member" (repeatable; --where conditions join every group)', collect)
    .option('--since <timestamp>', 'only contacts modified at or after this ISO 8601 instant (UTC without a zone)' + (options.incremental ? '; with --incremental: only when no watermark exists yet' : ''))
    .option('--rate-limit <n/window>', 'request budget for the credential, e.g. 5000/1h (virtuous default), 20/1s (close default)')
    .option('--part-rows <n>', 'rows per part file (default 10000)', wholeNumber('--part-rows', 1, 10_000_000))
    .option('--range-rows <n>', `wanted rows per range, the parallel unit (at least ${MIN_RANGE_ROWS}; default: the total / 32 within 5000 to 100000)`, wholeNumber('--range-rows', MIN_RANGE_ROWS))
    .option('--page-size <n>', 'records per request: virtuous take (at most 1000, default 1000), close _limit (default 200)', wholeNumber('--page-size', 1, 1000))
    .option('--sort-by <value>', 'virtuous: sortBy value meaning "by contact id" (default Id)', undefined)
    .option('--watermark-overlap <duration>', 'virtuous --incremental: how far the next watermark stays behind what the reads prove (default 60s; longer repeats more contacts at the boundary)');
  if (options.incremental) {
    command.option('--incremental', 'contacts modified since the watermark of the last committed incremental export to this destination (first run: a full load); the commit advances it');
  }
  return command;
}

export function toStartRequest(options: StartOptions): StartExportRequest {
  return {
    source: options.source,
    dest: options.dest,
    format: options.format,
    gzip: options.gzip,
    includeArchived: options.includeArchived,
    excludeArchived: options.excludeArchived,
    watermarkOverlap: options.watermarkOverlap,
    fullContact: options.fullContact,
    rateLimit: options.rateLimit,
    partRows: options.partRows,
    rangeRows: options.rangeRows,
    pageSize: options.pageSize,
    sortBy: options.sortBy,
    fields: options.fields,
    queryFile: options.query,
    where: options.where,
    whereGroups: options.whereGroup,
    since: options.since,
    incremental: options.incremental,
  };
}

import { accountOf } from '../accounts/account-name.js';
import type { ExportSpec } from '../queue/export-spec.js';
import type { StartExportRequest } from '../queue/operations/start-export.js';
import type { PartFormat } from '../sinks/part-format.js';
import { folderOf } from '../sinks/export-layout.js';
import { recordsOf } from '../sources/registry.js';

/**
 * Virtuous's own options (`--source virtuous`), as `start` takes them: docs/sources/virtuous.md. A list
 * option is given as a list (the flag repeated) or as one string (the flag given once).
 */
export type VirtuousOptions = {
  /** `--include-archived`: archived contacts are included (the default). */
  includeArchived?: boolean;
  /** `--exclude-archived`: leave archived contacts out (not with `since` or `incremental`). */
  excludeArchived?: boolean;
  /** `--full-contact`: complete records (Query/FullContact) instead of abbreviated ones. */
  fullContact?: boolean;
  /** `--where`: conditions "PARAMETER OPERATOR VALUE", ANDed, e.g. `'Tag IsAnyOf Major Donor'`. */
  where?: string | string[];
  /** `--where-group`: OR alternatives, each of ";"-separated conditions. */
  whereGroup?: string | string[];
  /** `--sort-by`: the sortBy value meaning "by contact id". @defaultValue `'Id'` */
  sortBy?: string;
  /** `--watermark-overlap`: with `incremental`, how far the next watermark stays behind (a duration, e.g. `'60s'`). */
  watermarkOverlap?: string;
};

/** Close's own options (`--source close`), as `start` takes them: docs/sources/close.md. */
export type CloseOptions = {
  /** `--fields`: contact fields, comma-separated: regular fields, `custom`, `custom.<id>`. @defaultValue every field */
  fields?: string;
  /** `--query`: the path of a JSON file holding a Close query tree, ANDed into every search. */
  query?: string;
};

/** The sources' own options; an option of another source than the request's is refused. */
export type SourceOptions = VirtuousOptions & CloseOptions;

/**
 * What to export, where, and how: the options of `bulk-export start` as fields (docs/api.md has the table).
 * Every field of the CLI's request passes through, checked as the CLI checks it.
 */
export interface StartRequest extends Omit<StartExportRequest, 'format' | 'sourceOptions'> {
  /** `--format`: part files as Parquet or NDJSON. @defaultValue `'parquet'` */
  format?: PartFormat;
  /** The source's own options. */
  sourceOptions?: SourceOptions;
  /**
   * `--credential-stdin`: the account's credential, handed over by the application. It is checked against
   * the API, then kept in Redis sealed with CREDENTIALS_KEY while the export (or schedule) needs it; it never
   * goes into job data, a log or an error message (docs/accounts.md).
   */
  credential?: string;
}

/** What `start` gives back at once: the export's id, where it goes and its plan (`start --json`). */
export interface StartResult {
  exportId: string;
  state: 'enqueued';
  source: string;
  /** The record type (`--records`), e.g. `contacts`. */
  records: string;
  account: string;
  /** `<source>/<object>`, e.g. `virtuous/contacts`. */
  table: string | null;
  /** The export's folder, `s3://BUCKET/PREFIX/<table>/export_id=<id>/`. */
  destination: string;
  /** `parquet`, `ndjson` or `ndjson.gz`. */
  format: string;
  ranges: number;
  plannedRows: number;
  /** A trial export's `limit`; null otherwise. */
  limit: number | null;
}

export function startResultOf(spec: ExportSpec): StartResult {
  return {
    exportId: spec.exportId,
    state: 'enqueued',
    source: spec.source.kind,
    records: recordsOf(spec.source),
    account: accountOf(spec.source),
    table: spec.table ?? null,
    destination: `s3://${spec.destination.bucket}/${folderOf(spec)}/`,
    format: spec.format + (spec.gzip ? '.gz' : ''),
    ranges: spec.rangeCount,
    plannedRows: spec.plannedRows,
    limit: spec.limit ?? null,
  };
}

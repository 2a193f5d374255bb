import type { S3Location } from '../sinks/s3/s3-location.js';
import type { PartFormat } from '../sinks/part-format.js';
import type { CloseSourceSettings } from '../sources/close/close-source.js';
import type { VirtuousSourceSettings } from '../sources/virtuous/virtuous-source.js';

/** Which source an export reads and how. Holds no secret: workers take credentials from their own environment. */
export interface VirtuousSourceSpec {
  kind: 'virtuous';
  baseUrl: string;
  /** Environment variable holding the token on the workers. */
  credentialVariable: string;
  /** Short hash of the token the export was planned with, so a worker with another token refuses to run it. */
  credentialFingerprint: string;
  settings: VirtuousSourceSettings;
}

/** Close contacts (`POST /data/search/`), read in `date_created` windows. */
export interface CloseSourceSpec {
  kind: 'close';
  baseUrl: string;
  /** Environment variable holding the API key on the workers (`CLOSE_API_KEY`). */
  credentialVariable: string;
  /** Short hash of the API key the export was planned with. */
  credentialFingerprint: string;
  /** Fields, custom field keys (resolved when planning, so every worker builds the same schema), query, page size. */
  settings: CloseSourceSettings;
}

export type SourceSpec = VirtuousSourceSpec | CloseSourceSpec;

export interface RateLimitSpec {
  requests: number;
  windowMs: number;
}

/** Everything a worker needs to run any range of an export. Stored in job data: never a credential. */
export interface ExportSpec {
  exportId: string;
  source: SourceSpec;
  destination: S3Location;
  format: PartFormat;
  /** Name of the record schema the parts follow, e.g. `virtuous.contact`. */
  schemaName: string;
  gzip: boolean;
  /** Rows per part file (rounded up to whole pages). */
  partRows: number;
  rateLimit: RateLimitSpec | null;
  rangeCount: number;
  plannedRows: number;
  createdAt: string;
}

import type { Environment } from '../config/environment.js';
import type { RateLimitDialect } from '../ratelimit/rate-limit-dialect.js';
import type { RateLimitScopes } from '../ratelimit/rate-limit-scope.js';
import type { RateLimitSpec } from '../ratelimit/rate-limit-spec.js';
import type { RequestBudget } from '../ratelimit/request-budget.js';
import type { ExportSource } from './export-source.js';
import type { SourceHttpClientOptions } from './http/source-http-client.js';
import type { TimestampPosition } from '../planning/timestamp-position.js';
import type { RecordTypeDefinition } from './record-type.js';
import type { WatermarkRule } from './watermark-rule.js';

/**
 * Everything that makes one CRM API a source of the exporter, in one place: the rest of the program (the
 * CLI, the planner, the shared budget, the HTTP client, the commit) knows a source only through its
 * definition in the registry (`registry.ts`). Adding a source is a folder `src/sources/<name>/` with a
 * definition, and one line in the registry (see docs/adding-a-source.md). `Settings` is the source's own
 * settings type, which `settingsFrom` makes and every other method takes (the spec carries them as JSON).
 */
export interface SourceDefinition<Settings = unknown> {
  /** `--source` value, also the first part of budget keys, watermark names and schema names. */
  readonly name: string;
  /** The API's name in messages. */
  readonly displayName: string;
  /** The environment variable holding the credential, and what it is for (said when it is missing). */
  readonly credential: { variable: string; purpose: string };
  /** The environment variable for the API's base URL, and its default. */
  readonly baseUrl: { variable: string; default: string };
  /** `--page-size`: records per request. */
  readonly pageSize: { default: number; max: number };
  /**
   * The published budget, used without `--rate-limit` (the bucket then follows the server's headers), and
   * how the API tells its allowance and its refusals. `scopes`: what the API counts requests against, each
   * with its limit as a multiple of this budget; default the organization alone (one budget per account,
   * `ORGANIZATION_ONLY`). With a `key` scope, each request also takes from its credential's budget.
   */
  readonly rateLimit: { default: RateLimitSpec; dialect: RateLimitDialect; scopes?: RateLimitScopes };
  /** The source's own `start`/`schedule` options. Given for another source, each is refused (exit 2). */
  readonly options: readonly SourceOption[];
  /** What to say when an option of another source is given to this one, by flag (e.g. `--fields`). */
  readonly insteadOf?: Readonly<Record<string, string>>;
  /** The kinds of record it exports (`--records`), the first the default (see RecordTypeDefinition). */
  readonly recordTypes: readonly [RecordTypeDefinition, ...RecordTypeDefinition[]];

  /**
   * The export's settings from its options (checked: a bad value is an InvalidInputError), before the API
   * is asked anything.
   */
  settingsFrom(options: SourceOptionValues, context: SettingsContext): Promise<Settings>;
  /**
   * After the source validated the credential and the request: settle what every worker must read
   * alike, from the API (the id parameter, the custom field catalogue, an accepted page size), in place.
   */
  finishSettings(source: ExportSource, settings: Settings, context: SettingsContext & { options: SourceOptionValues }): Promise<void>;
  /** The position an export of changes starts from goes into the settings (workers read it from there). */
  startChangesAt?(settings: Settings, since: TimestampPosition | null): void;
  /** How the commit of an incremental export finds where the next run continues (see WatermarkRule). */
  watermarkRule(settings: Settings): WatermarkRule;
  /** The export's filter, hashed into the watermark's name (one watermark per filter); null = none. */
  filterOf(settings: Settings): unknown;
  /** Options kept in a schedule: file contents instead of paths a worker may not have. */
  storableOptions?(options: SourceOptionValues): Promise<SourceOptionValues>;
  /** The reader of one export of the record type `runtime.records`, with the credential and HTTP settings of this process. */
  create(connection: SourceConnection, settings: Settings, runtime: { rawRows: boolean; records: RecordTypeDefinition }): ExportSource;
  /** `bulk-export options --source <name> [--records <type>]`: what the API offers for this source's options on the record type. */
  listOptions(connection: SourceConnection, records: RecordTypeDefinition): Promise<OptionsListing>;
}

/** What `bulk-export options` shows: JSON for `--json`, else tables and notes the CLI lays out. */
export interface OptionsListing {
  json: unknown;
  tables: { title?: string; header: string[]; rows: string[][] }[];
  notes: string[];
}

/** One source option, as commander declares it. */
export interface SourceOption {
  /** Commander flags, e.g. `--where <clause>`. */
  flags: string;
  description: string;
  /** The key of its value in `SourceOptionValues` (commander's attribute name, e.g. `whereGroup`). */
  key: string;
  /** Commander's parser (e.g. collecting a repeatable option into a list). */
  parse?: (value: string, previous: unknown) => unknown;
}

/** The values of the source's options given on the command line (or stored with a schedule), by key. */
export type SourceOptionValues = Readonly<Record<string, unknown>>;

export interface SettingsContext {
  /** The record type the export reads (`--records`), one of the source's. */
  records: RecordTypeDefinition;
  /** An incremental or `--since` export. */
  changes: boolean;
  /** Only for `--incremental` exports. */
  incremental: boolean;
  /** `--page-size`, checked against `pageSize.max`; undefined = the source's default. */
  pageSize: number | undefined;
  environment: Environment;
  /** Lines for the operator (stderr in the CLI). */
  notify: (line: string) => void;
}

/** What a source reader needs to reach its API: the base URL, the credential, and the HTTP policy. */
export interface SourceConnection {
  baseUrl: string;
  secret: string;
  /**
   * The credential read again where it was found, asked after the API answered 401: a different value
   * (rotated) is tried once before the refusal stands. Absent where the credential cannot change.
   */
  rereadSecret?: () => Promise<string>;
  budget?: RequestBudget;
  timeoutMs: number;
  maxAttempts: number;
  onRetry?: SourceHttpClientOptions['onRetry'];
}

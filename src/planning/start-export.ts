import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { Environment } from '../config/environment.js';
import { requireVariable } from '../config/environment.js';
import { BulkExportError, InvalidInputError } from '../errors/index.js';
import type { Logger } from '../logging/logger.js';
import { enqueueExport } from '../queue/enqueue-export.js';
import { newExportId } from '../queue/export-id.js';
import { ExportRegistry } from '../queue/export-registry.js';
import type { ChangeWindowSpec, CloseSourceSpec, ExportSpec, RateLimitSpec, SourceSpec, VirtuousSourceSpec } from '../queue/export-spec.js';
import { IncrementalGuard } from '../queue/incremental-guard.js';
import { filterHash, readWatermark, watermarkKey, watermarkName, type Watermark } from '../queue/watermark.js';
import { budgetForExport } from '../ratelimit/budget-for-export.js';
import { parseRateLimit } from '../ratelimit/rate-limit-spec.js';
import { parsePartFormat, type PartFormat } from '../sinks/part-format.js';
import { ObjectStore } from '../sinks/s3/object-store.js';
import { createS3Client } from '../sinks/s3/s3-client.js';
import { exportFolder, formatS3Url, parseS3Url, type S3Location } from '../sinks/s3/s3-location.js';
import { EXPORT_DESCRIPTOR_NAME, type ExportDescriptor } from '../sinks/export-layout.js';
import type { ExportRange } from './export-range.js';
import { formatIsoMicros, parseIsoMicros } from './time-window-splitter.js';
import { CLOSE_CREDENTIAL_VARIABLE, closeBaseUrl } from '../sources/close/close-client.js';
import { CLOSE_CONTACT_FIELDS, parseFieldList } from '../sources/close/close-fields.js';
import { closeKeyset } from '../sources/close/close-keyset.js';
import { parseUserQuery, queryProblem, type CloseQueryNode } from '../sources/close/close-query.js';
import { prepareCloseSettings } from '../sources/close/close-export-preparation.js';
import { DEFAULT_CLOSE_SETTINGS, type CloseSource } from '../sources/close/close-source.js';
import { createSource } from '../sources/create-source.js';
import { credentialFingerprint } from '../sources/credential-fingerprint.js';
import type { ExportSource } from '../sources/export-source.js';
import type { TimestampPosition } from '../sources/timestamp-keyset.js';
import { buildWhereGroups } from '../sources/virtuous/where-clause.js';
import { DEFAULT_VIRTUOUS_SETTINGS, MODIFIED_FIELD, type VirtuousSource } from '../sources/virtuous/virtuous-source.js';
import { parseDuration } from '../config/duration.js';
import { secretScrubber } from '../logging/secret-scrubber.js';
import { describeRetry } from '../sources/http/source-retry.js';
import { redisMicros } from '../queue/redis-clock.js';

export const SOURCES = ['virtuous', 'close'] as const;
/** Rows per part: bounds worker memory (measured: ~300 MB peak at concurrency 4) and the pages a crash can waste. */
export const DEFAULT_PART_ROWS = 10_000;
/**
 * The smallest `--range-rows`: a range smaller than a page or two costs planning probes and requests
 * out of proportion to what it reads (each range ends with a partial page).
 */
export const MIN_RANGE_ROWS = 100;
/**
 * How far the watermark of a Virtuous incremental export stays behind what its reads prove (see
 * `WatermarkRule`): room for modifications that become visible a little after they are stamped, and for
 * clocks that run at slightly different rates. A longer overlap repeats more contacts at the boundary.
 */
export const DEFAULT_WATERMARK_OVERLAP = '60s';

/** Options that only one source understands, with what they mean there. */
const SOURCE_ONLY_OPTIONS: { flag: string; source: (typeof SOURCES)[number]; given: (request: StartExportRequest) => boolean; instead: string }[] = [
  { flag: '--include-archived', source: 'virtuous', given: (r) => r.includeArchived === true, instead: 'Close has no archived contacts; narrow the export with --query instead' },
  { flag: '--exclude-archived', source: 'virtuous', given: (r) => r.excludeArchived === true, instead: 'Close has no archived contacts; narrow the export with --query instead' },
  { flag: '--watermark-overlap', source: 'virtuous', given: (r) => r.watermarkOverlap !== undefined, instead: 'Close walks date_updated in order and fixes the end of each run when planning' },
  { flag: '--full-contact', source: 'virtuous', given: (r) => r.fullContact === true, instead: 'Close contacts are read whole; choose columns with --fields' },
  { flag: '--sort-by', source: 'virtuous', given: (r) => r.sortBy !== undefined, instead: 'Close is always paged by date_created, or date_updated with --since/--incremental' },
  { flag: '--fields', source: 'close', given: (r) => r.fields !== undefined, instead: 'Virtuous records have a fixed shape; use --full-contact for complete records' },
  { flag: '--query', source: 'close', given: (r) => r.queryFile !== undefined || r.query !== undefined, instead: 'narrow a Virtuous export with --where "PARAMETER OPERATOR VALUE"' },
  { flag: '--where', source: 'virtuous', given: (r) => (r.where?.length ?? 0) > 0, instead: 'narrow a Close export with --query FILE.json' },
  { flag: '--where-group', source: 'virtuous', given: (r) => (r.whereGroups?.length ?? 0) > 0, instead: 'narrow a Close export with --query FILE.json (its "or" nodes)' },
];

export interface StartExportRequest {
  source: string;
  dest: string;
  format: string;
  gzip?: boolean;
  /** Virtuous: archived contacts are included by default; this flag only states it. */
  includeArchived?: boolean;
  /** Virtuous: `--exclude-archived`, leave archived contacts out. */
  excludeArchived?: boolean;
  fullContact?: boolean;
  rateLimit?: string;
  partRows?: number;
  rangeRows?: number;
  pageSize?: number;
  sortBy?: string;
  /** Close: `--fields a,b,c`. */
  fields?: string;
  /** Close: `--query FILE.json`, a query tree ANDed into every request. */
  queryFile?: string;
  /** Close: the query tree itself (what a schedule stores instead of the file's path). */
  query?: CloseQueryNode;
  /** Virtuous: `--where "PARAMETER OPERATOR VALUE"` conditions, ANDed (into every group). */
  where?: string[];
  /** Virtuous: `--where-group "C1; C2"`, each one OR alternative of ANDed conditions. */
  whereGroups?: string[];
  /** `--since ISO_TIMESTAMP`: only contacts modified at or after it (with --incremental: only when no watermark exists yet). */
  since?: string;
  /** `--incremental`: contacts modified from the stored watermark on; the commit advances it. */
  incremental?: boolean;
  /** Virtuous `--incremental`: how far the watermark stays behind what the reads prove (default 60s). */
  watermarkOverlap?: string;
}

export interface StartExportDependencies {
  environment: Environment;
  redis: Redis;
  logger: Logger;
  /** Lines for the operator (stderr in the CLI): which kind of load this is, warnings about the filter. */
  notify?: (line: string) => void;
}

/** A request checked against everything but the plan: the source, ready to plan, and what it was built from. */
interface PreparedExport {
  sourceSpec: SourceSpec;
  source: ExportSource;
  destination: S3Location;
  format: PartFormat;
  partRows: number;
  rateLimit: RateLimitSpec | null;
  mode: ChangeWindowSpec['mode'] | null;
  sinceFlag: TimestampPosition | null;
  /** Virtuous `--watermark-overlap`, in milliseconds. */
  overlapMs: number;
  notify: (line: string) => void;
}

/**
 * Validates everything (arguments, credential, Redis, bucket, the API itself), plans balanced
 * ranges, registers the export and enqueues its flow. Nothing is enqueued unless all of it passes.
 */
export async function startExport(request: StartExportRequest, deps: StartExportDependencies): Promise<ExportSpec> {
  const { sourceSpec, source, destination, format, partRows, rateLimit, mode, sinceFlag, overlapMs, notify } = await prepareExport(request, deps);
  const exportId = newExportId();
  let guard: IncrementalGuard | undefined;
  let changes: ChangeWindowSpec | undefined;
  try {
    if (mode !== null) {
      const filter = filterHash(sourceSpec.kind === 'virtuous' ? sourceSpec.settings.groups : sourceSpec.settings.query);
      const name = watermarkName(sourceSpec.kind, sourceSpec.credentialFingerprint, filter);
      const key = watermarkKey(destination, name);
      const url = formatS3Url({ bucket: destination.bucket, prefix: '' }, key);
      let previous: Watermark | undefined;
      if (mode === 'incremental') {
        guard = await IncrementalGuard.acquire(deps.redis, deps.environment.queuePrefix, url, exportId);
        previous = await readStoredWatermark(deps.environment, destination.bucket, key);
      }
      const since: TimestampPosition | null = previous?.position ?? sinceFlag;
      if (sourceSpec.kind === 'virtuous') sourceSpec.settings.changes = { prefilter: sourceSpec.settings.changes?.prefilter ?? null, since };
      changes = {
        mode,
        field: sourceSpec.kind === 'virtuous' ? MODIFIED_FIELD : 'date_updated',
        watermarkRule:
          sourceSpec.kind === 'virtuous'
            ? { kind: 'read-clock', readStartedAt: null, overlapMs }
            : { kind: 'walk-position', cursorKey: closeKeyset('date_updated').positionKey },
        since,
        until: null,
        watermark: mode === 'incremental' ? { key, name, filter } : null,
        previousExportId: previous?.exportId ?? null,
        previousModifiedAt: previous?.modifiedAt ?? null,
        fullLoad: mode === 'incremental' && since === null,
      };
      if (mode === 'incremental' && previous) {
        const skipped = previous.position.idsAtLast.length;
        notify(
          `incremental: continuing from the watermark ${url} set by ${previous.exportId} (highest modification written: ${previous.modifiedAt ?? 'none'}): ` +
            `contacts modified at or after ${previous.position.at}${skipped > 0 ? `, less the ${skipped} already written at that instant` : ''}`,
        );
      } else if (mode === 'incremental' && since) {
        notify(`incremental: no watermark at ${url} yet: contacts modified at or after --since ${since.at}; the commit sets the watermark`);
      } else if (mode === 'incremental') {
        notify(`incremental: no watermark at ${url} yet: this run is a FULL LOAD of every contact; the commit sets the watermark`);
      } else {
        notify(`since: contacts modified at or after ${since!.at} (no watermark is read or written)`);
      }
    }

    const plan = await source.plan({ targetRowsPerRange: request.rangeRows, ...(changes ? { changesSince: changes.since } : {}) });
    if (changes?.watermarkRule.kind === 'walk-position') {
      changes.until = plan.until ?? null;
      notify(
        plan.totalRows === 0
          ? `window: no contact modified ${changes.since ? `at or after ${changes.since.at} ` : ''}(an empty export; the watermark stays where it is)`
          : `window: about ${plan.totalRows} contact(s) modified ${changes.since ? `from ${changes.since.at} ` : ''}until ${changes.until ?? 'now'} ` +
              '(exclusive, fixed now from the newest modification: contacts modified while the export runs are left for the next run)',
      );
    } else if (changes) {
      notify(
        changes.since === null
          ? `window: every contact (about ${plan.totalRows}), read by id`
          : `window: about ${plan.totalRows} contact(s) pass the date pre-filter (a day before ${changes.since.at.slice(0, 10)} on), read by id; ` +
              'only those modified at or after the start are written (each record\'s modifiedDateTimeUtc decides); ' +
              'a contact modified while the export runs is in this run or the next',
      );
    }
    // Every range is read after this instant (Redis time, one clock for every worker): see WatermarkRule.
    if (changes?.watermarkRule.kind === 'read-clock') changes.watermarkRule.readStartedAt = await redisMicros(deps.redis);

    const spec: ExportSpec = {
      exportId,
      source: sourceSpec,
      destination,
      format,
      schemaName: source.schema.name,
      gzip: request.gzip ?? false,
      partRows,
      rateLimit,
      rangeCount: plan.ranges.length,
      plannedRows: plan.totalRows,
      createdAt: new Date().toISOString(),
      ...(changes ? { changes } : {}),
    };
    await writeExportDescriptor(deps.environment, spec, plan.ranges);
    await new ExportRegistry(deps.redis, deps.environment.queuePrefix).register(spec);
    await enqueueExport(deps.redis, deps.environment.queuePrefix, spec, plan.ranges);
    await guard?.enqueued();
    deps.logger.info({ exportId: spec.exportId, ranges: plan.ranges.length, plannedRows: plan.totalRows }, 'export enqueued');
    return spec;
  } catch (error) {
    await guard?.release();
    throw error;
  }
}

/**
 * What `start` checks before planning, for `schedule`: arguments, credential, Redis, bucket, the API
 * (credential, QueryOptions, `--where` clauses, `--query`). Nothing is written.
 */
export async function checkStartRequest(request: StartExportRequest, deps: StartExportDependencies): Promise<void> {
  await prepareExport(request, deps);
}

async function prepareExport(request: StartExportRequest, deps: StartExportDependencies): Promise<PreparedExport> {
  if (!(SOURCES as readonly string[]).includes(request.source)) {
    throw new InvalidInputError(`Unknown --source "${request.source}": use one of ${SOURCES.join(', ')}.`);
  }
  const format = parsePartFormat(request.format);
  if (request.gzip && format !== 'ndjson') throw new InvalidInputError('--gzip applies to --format ndjson only (Parquet parts are ZSTD-compressed).');
  const destination = parseS3Url(request.dest);
  const rateLimit = request.rateLimit ? parseRateLimit(request.rateLimit) : null;
  const partRows = positiveInteger(request.partRows ?? DEFAULT_PART_ROWS, '--part-rows');
  if (request.rangeRows !== undefined) positiveInteger(request.rangeRows, '--range-rows', MIN_RANGE_ROWS);
  const kind = request.source as SourceSpec['kind'];
  for (const option of SOURCE_ONLY_OPTIONS) {
    if (option.source !== kind && option.given(request)) {
      throw new InvalidInputError(`${option.flag} applies to --source ${option.source} only (${option.instead}).`);
    }
  }
  const mode: ChangeWindowSpec['mode'] | null = request.incremental ? 'incremental' : request.since !== undefined ? 'since' : null;
  const sinceFlag = request.since === undefined ? null : parseSince(request.since);
  if (request.watermarkOverlap !== undefined && !request.incremental) throw new InvalidInputError('--watermark-overlap applies to --incremental exports only.');
  const overlapMs = parseDuration(request.watermarkOverlap ?? DEFAULT_WATERMARK_OVERLAP, '--watermark-overlap', 0);
  const notify = deps.notify ?? ((line: string) => deps.logger.info(line));
  const sourceSpec = kind === 'close' ? await closeSourceSpec(request, deps, mode !== null) : virtuousSourceSpec(request, deps, mode !== null, notify);

  await checkRedis(deps.redis, deps.environment.redisUrl);
  await checkBucket(destination, deps.environment);

  const budget = budgetForExport(deps.redis, deps.environment.queuePrefix, { source: sourceSpec, rateLimit });
  // Retries while planning reach the operator (stderr for `start`, the log for a scheduled run).
  const scrub = secretScrubber(deps.environment.variables);
  const source = createSource(sourceSpec, { variables: deps.environment.variables, budget, onRetry: (retry) => notify(scrub(describeRetry(retry))) });
  await source.validate();
  if (sourceSpec.kind === 'virtuous') {
    const virtuous = source as VirtuousSource;
    sourceSpec.settings.idKeyset = await virtuous.resolveIdKeyset();
    const warnings: string[] = [];
    sourceSpec.settings.groups = buildWhereGroups(request.where ?? [], request.whereGroups ?? [], await virtuous.queryOptions(), warnings);
    for (const warning of warnings) notify(`warning: ${warning}`);
    if (mode !== null) sourceSpec.settings.changes = { since: null, prefilter: await virtuous.resolvePrefilter() };
  } else {
    await prepareCloseSettings(source as CloseSource, sourceSpec.settings, notify);
  }
  return { sourceSpec, source, destination, format, partRows, rateLimit, mode, sinceFlag, overlapMs, notify };
}

/** `--since`: an ISO 8601 date or date-time; without a zone it is UTC (as Virtuous writes its timestamps). */
export function parseSince(text: string): TimestampPosition {
  const micros = parseIsoMicros(text);
  if (micros === null) {
    throw new InvalidInputError(`--since must be an ISO 8601 date or date-time such as 2024-05-01T00:00:00Z (UTC when no zone is given), got "${text}".`);
  }
  return { at: formatIsoMicros(micros), idsAtLast: [] };
}

async function readStoredWatermark(environment: Environment, bucket: string, key: string): Promise<Watermark | undefined> {
  const client = createS3Client(environment.s3);
  try {
    return await readWatermark(new ObjectStore(client, bucket), key);
  } finally {
    client.destroy();
  }
}

function virtuousSourceSpec(request: StartExportRequest, deps: StartExportDependencies, changes: boolean, notify: (line: string) => void): VirtuousSourceSpec {
  const pageSize = positiveInteger(request.pageSize ?? DEFAULT_VIRTUOUS_SETTINGS.pageSize, '--page-size');
  if (pageSize > 1000) throw new InvalidInputError('--page-size must be 1000 or fewer: Virtuous refuses a larger take.');
  if (request.includeArchived && request.excludeArchived) throw new InvalidInputError('--include-archived and --exclude-archived contradict each other: give one (archived contacts are included by default).');
  if (changes && request.excludeArchived) {
    throw new InvalidInputError(
      '--exclude-archived cannot be combined with --since or --incremental: archiving a contact is a modification, and an export of changes ' +
        'that leaves archived contacts out would never show that they were archived. Leave --exclude-archived out.',
    );
  }
  const credentialVariable = 'VIRTUOUS_API_TOKEN';
  const token = requireVariable(deps.environment.variables, credentialVariable, 'the Virtuous API token to read contacts with');
  if (changes && !request.fullContact) {
    notify('virtuous: --since/--incremental read FullContact records (the abbreviated ones carry no modification date): implied --full-contact');
  }
  return {
    kind: 'virtuous',
    baseUrl: deps.environment.virtuousBaseUrl,
    credentialVariable,
    credentialFingerprint: credentialFingerprint(token),
    settings: {
      ...DEFAULT_VIRTUOUS_SETTINGS,
      fullContact: changes || (request.fullContact ?? false),
      includeArchived: !request.excludeArchived,
      pageSize,
      sortBy: request.sortBy ?? DEFAULT_VIRTUOUS_SETTINGS.sortBy,
      ...(changes ? { changes: { since: null, prefilter: null } } : {}),
    },
  };
}

/** Checks `--fields`, `--page-size` and the `--query` file (its node and condition types) before anything else is asked. */
async function closeSourceSpec(request: StartExportRequest, deps: StartExportDependencies, changes: boolean): Promise<CloseSourceSpec> {
  const pageSize = positiveInteger(request.pageSize ?? DEFAULT_CLOSE_SETTINGS.pageSize, '--page-size');
  const selection = parseFieldList(request.fields);
  if (changes && !selection.fields.includes('date_updated')) {
    const chosen = new Set([...selection.fields, 'date_updated']);
    selection.fields = CLOSE_CONTACT_FIELDS.filter((name) => chosen.has(name));
  }
  const query = request.query !== undefined ? inlineQuery(request.query) : request.queryFile === undefined ? null : parseUserQuery(await readQueryFile(request.queryFile), request.queryFile);
  const apiKey = requireVariable(deps.environment.variables, CLOSE_CREDENTIAL_VARIABLE, 'the Close API key to read contacts with');
  return {
    kind: 'close',
    baseUrl: closeBaseUrl(deps.environment.variables),
    credentialVariable: CLOSE_CREDENTIAL_VARIABLE,
    credentialFingerprint: credentialFingerprint(apiKey),
    settings: { ...DEFAULT_CLOSE_SETTINGS, ...selection, pageSize, query, ...(changes ? { timestampField: 'date_updated' as const } : {}) },
  };
}

function inlineQuery(query: CloseQueryNode): CloseQueryNode {
  const problem = queryProblem(query, 'query');
  if (problem) throw new InvalidInputError(`The stored Close query is not valid: ${problem}`);
  return query;
}

async function readQueryFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`Cannot read --query ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give the path of a JSON file holding a Close query.`);
  }
}

/** `_export.json` beside the parts: enough to rebuild the export's state from S3 if Redis loses it. */
async function writeExportDescriptor(environment: Environment, spec: ExportSpec, ranges: ExportRange[]): Promise<void> {
  const client = createS3Client(environment.s3);
  try {
    const descriptor: ExportDescriptor<ExportSpec> = { spec, ranges };
    const key = `${exportFolder(spec.destination, spec.exportId)}/${EXPORT_DESCRIPTOR_NAME}`;
    await new ObjectStore(client, spec.destination.bucket).put(key, JSON.stringify(descriptor, null, 2), { contentType: 'application/json' });
  } finally {
    client.destroy();
  }
}

function positiveInteger(value: number, flag: string, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min) throw new InvalidInputError(`${flag} must be a whole number of at least ${min}, got ${value}.`);
  return value;
}

async function checkRedis(redis: Redis, url: string): Promise<void> {
  try {
    await redis.ping();
  } catch (error) {
    throw new BulkExportError(
      'REDIS_UNREACHABLE',
      `Redis at ${redactUrl(url)} did not answer (${(error as Error).message}). Start Redis or set REDIS_URL to a reachable server.`,
    );
  }
}

async function checkBucket(destination: S3Location, environment: Environment): Promise<void> {
  const client = createS3Client(environment.s3);
  try {
    await new ObjectStore(client, destination.bucket).checkBucket();
  } catch (error) {
    const where = environment.s3.endpoint ? ` at S3_ENDPOINT ${environment.s3.endpoint}` : '';
    throw new BulkExportError(
      'DESTINATION_UNREACHABLE',
      `The bucket "${destination.bucket}"${where} cannot be used (${(error as Error).name}: ${(error as Error).message}). ` +
        'Create the bucket, or check S3_ENDPOINT, AWS_REGION and the AWS credentials.',
    );
  } finally {
    client.destroy();
  }
}

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

import type { Redis } from 'ioredis';
import type { Environment } from '../../config/environment.js';
import { baseUrlFrom } from '../../config/environment.js';
import { accountOf, DEFAULT_ACCOUNT } from '../../accounts/account-name.js';
import { findAccountCredential, type AccountCredential } from '../../accounts/account-credentials.js';
import { HandedCredentials, type CredentialHolder } from '../../accounts/handed-credentials.js';
import { BulkExportError, InvalidInputError, MissingConfigurationError, MissingCredentialError, RedisRefusedError } from '../../errors/index.js';
import type { Logger } from '../../logging/logger.js';
import { secretScrubber } from '../../logging/secret-scrubber.js';
import { checkNotifyUrl } from '../../notifications/notify-url.js';
import { MIN_RANGE_ROWS, type ExportRange } from '../../planning/export-range.js';
import type { TimestampPosition } from '../../planning/timestamp-position.js';
import { parseRateLimit } from '../../ratelimit/rate-limit-spec.js';
import { RequestCounter } from '../../ratelimit/request-counter.js';
import { DEFAULT_FLEET_SLOTS, maxRangesFor, rangesForFleet } from '../../planning/fleet-ranges.js';
import { estimatedPageRequests } from '../../planning/request-estimate.js';
import { EXPORT_DESCRIPTOR_NAME, exportFolder, writeExportIndexEntry, type ExportDescriptor } from '../../sinks/export-layout.js';
import { parsePartFormat, type PartFormat } from '../../sinks/part-format.js';
import { ObjectStore } from '../../sinks/s3/object-store.js';
import { createS3Client } from '../../sinks/s3/s3-client.js';
import { formatS3Url, parseS3Url, type S3Location } from '../../sinks/s3/s3-location.js';
import { createSource } from '../../sources/create-source.js';
import { credentialFingerprint } from '../../sources/credential-fingerprint.js';
import { budgetForExport } from '../../sources/export-budget.js';
import type { ExportSource, PlanOptions } from '../../sources/export-source.js';
import { describeRetry } from '../../sources/http/source-retry.js';
import type { RecordTypeDefinition } from '../../sources/record-type.js';
import { recordTypeOf, SOURCE_DEFINITIONS, sourceDefinition } from '../../sources/registry.js';
import type { SettingsContext, SourceDefinition, SourceOptionValues } from '../../sources/source-definition.js';
import { formatIsoMicros, parseIsoMicros } from '../../time/iso-instant.js';
import { enqueueExport } from '../enqueue-export.js';
import { newExportId } from '../export-id.js';
import { addExportJobLogLine, plannedLine, type RangeSizing } from '../export-job-log.js';
import { reportExportJobProgress } from '../export-job-progress.js';
import { ExportRegistry } from '../export-registry.js';
import { ExportRetention } from '../export-retention.js';
import { FleetRoster } from '../fleet-roster.js';
import type { ChangeWindowSpec, ExportSpec, RateLimitSpec, SourceSpec } from '../export-spec.js';
import { IncrementalGuard } from '../incremental-guard.js';
import { redisAccessError } from '../redis-connection.js';
import { redisMicros } from '../redis-clock.js';
import { credentialWatermarkName, filterHash, readStoredWatermark, watermarkKey, watermarkName, type Watermark } from '../watermark.js';

/** Rows per part: bounds worker memory (measured: ~300 MB peak at concurrency 4) and the pages a crash can waste. */
export const DEFAULT_PART_ROWS = 10_000;

export interface StartExportRequest {
  /** `--source`: a name in the source registry. */
  source: string;
  /** `--records`: the record type to export, one the source declares. @defaultValue the source's first, `contacts` */
  records?: string;
  dest: string;
  format: string;
  gzip?: boolean;
  rateLimit?: string;
  partRows?: number;
  rangeRows?: number;
  pageSize?: number;
  /** `--since ISO_TIMESTAMP`: only contacts modified at or after it (with --incremental: only when no watermark exists yet). */
  since?: string;
  /** `--incremental`: contacts modified from the stored watermark on; the commit advances it. */
  incremental?: boolean;
  /** The source's own options (its definition's `options`), by key; another source's option is refused. */
  sourceOptions?: SourceOptionValues;
  /** `--limit N`: a trial export of the first N records in key order (one range; pages no larger than N). */
  limit?: number;
  /** `--account NAME`: the organization whose credential the export reads with (docs/accounts.md); default `default`. */
  account?: string;
  /** `--notify URL`: POST a signed notification there when the export commits or fails (docs/notifications.md); needs NOTIFY_SECRET. */
  notifyUrl?: string;
}

/**
 * A credential the application hands over with the request (`--credential-stdin`, the API's `credential`):
 * used to plan, then stored sealed for the account and held by the export (docs/accounts.md). Kept apart
 * from the request, which schedules store in their job data.
 */
export interface CredentialHandover {
  credential: string;
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
  definition: SourceDefinition;
  /** The record type the export reads (`--records`). */
  records: RecordTypeDefinition;
  sourceSpec: SourceSpec;
  source: ExportSource;
  destination: S3Location;
  format: PartFormat;
  partRows: number;
  rateLimit: RateLimitSpec | null;
  mode: ChangeWindowSpec['mode'] | null;
  sinceFlag: TimestampPosition | null;
  /** Records per request, as the source was configured. */
  pageSize: number;
  /** Requests sent so far (validation), and then by planning. */
  requests: RequestCounter;
  notify: (line: string) => void;
  /** Where the account's credential came from: a handed-over one is held by the export (or stored, when it came with the request). */
  credential: AccountCredential;
  handed: HandedCredentials;
  /** `--notify`, checked. */
  notifyUrl: string | undefined;
}

/** An export planned but not enqueued: what `start --dry-run` shows. */
export interface ExportPlan {
  spec: ExportSpec & { table: string; folder: string };
  ranges: ExportRange[];
  /** Records per request. */
  pageSize: number;
  /** Requests validation and planning sent (counts, bounds, the source's catalogue). */
  planningRequests: number;
  /** How the ranges were sized. */
  sizing: RangeSizing;
}

/**
 * Validates everything (arguments, credential, Redis, bucket, the API itself), plans balanced
 * ranges, registers the export and enqueues its flow. Nothing is enqueued unless all of it passes.
 */
export async function startExport(request: StartExportRequest, deps: StartExportDependencies, handover?: CredentialHandover): Promise<ExportSpec> {
  const { plan, guard, credential, handed } = await planExport(request, deps, { holdWatermark: true }, handover);
  const holder: CredentialHolder = `export:${plan.spec.exportId}`;
  const { kind } = plan.spec.source;
  const account = accountOf(plan.spec.source);
  try {
    const { spec, ranges } = plan;
    // Before the ranges can run: a handed-over credential is where the workers look when they take one.
    if (handover) await handed.put(kind, account, credential.secret, holder);
    else if (credential.origin === 'handed-over' && !(await handed.hold(kind, account, holder))) {
      throw new MissingCredentialError(kind, account, ['a credential handed over for the account (deleted while the export was planned)']);
    }
    await writeExportDescriptor(deps.environment, spec, ranges);
    await new ExportRegistry(deps.redis, deps.environment.queuePrefix).register(spec);
    await enqueueExport(deps.redis, deps.environment.queuePrefix, spec, ranges);
    await guard?.enqueued();
    deps.logger.info({ exportId: spec.exportId, ranges: ranges.length, plannedRows: spec.plannedRows }, 'export enqueued');
    await describeOnExportJob(plan, deps);
    await forgetFinishedExports(deps);
    return spec;
  } catch (error) {
    await guard?.release();
    if (credential.origin === 'handed-over') await handed.release(kind, account, holder);
    throw error;
  }
}

/** Each start sweeps away what Redis holds of exports finished longer than EXPORT_RETENTION_MS ago; a failed sweep fails no start. */
async function forgetFinishedExports(deps: StartExportDependencies): Promise<void> {
  try {
    const forgotten = await new ExportRetention(deps.redis, deps.environment.queuePrefix, deps.environment.exportRetentionMs).sweep();
    if (forgotten.length > 0)
      deps.logger.info({ forgotten: forgotten.length, retentionMs: deps.environment.exportRetentionMs }, 'forgot finished exports');
  } catch (error) {
    deps.logger.warn({ err: (error as Error).message }, 'could not forget finished exports; the next start tries again');
  }
}

/**
 * `start --dry-run`: validates and plans exactly as `start` does and returns the plan. Writes nothing (no
 * S3 object; in Redis only the request budget, which planning's requests spend) and enqueues nothing; an
 * incremental plan reads the watermark without holding it.
 */
export async function previewExport(request: StartExportRequest, deps: StartExportDependencies, handover?: CredentialHandover): Promise<ExportPlan> {
  return (await planExport(request, deps, { holdWatermark: false }, handover)).plan;
}

/** Plans an export; with `holdWatermark`, an incremental one holds its watermark's guard, which the caller releases or hands on. */
async function planExport(
  request: StartExportRequest,
  deps: StartExportDependencies,
  options: { holdWatermark: boolean },
  handover: CredentialHandover | undefined,
): Promise<{ plan: ExportPlan; guard: IncrementalGuard | undefined; credential: AccountCredential; handed: HandedCredentials }> {
  const {
    definition,
    records,
    sourceSpec,
    source,
    destination,
    format,
    partRows,
    rateLimit,
    mode,
    sinceFlag,
    pageSize,
    requests,
    notify,
    credential,
    handed,
    notifyUrl,
  } = await prepareExport(request, deps, handover);
  const exportId = newExportId();
  let guard: IncrementalGuard | undefined;
  let changes: ChangeWindowSpec | undefined;
  try {
    if (mode !== null) {
      const filter = filterHash(definition.filterOf(sourceSpec.settings));
      const name = watermarkName(source.table, accountOf(sourceSpec), filter);
      const key = watermarkKey(destination, name);
      const url = formatS3Url({ bucket: destination.bucket, prefix: '' }, key);
      let previous: Watermark | undefined;
      if (mode === 'incremental') {
        if (options.holdWatermark) guard = await IncrementalGuard.acquire(deps.redis, deps.environment.queuePrefix, url, exportId);
        // A load that ran while watermarks were keyed by the credential goes on from there (they were all of the first record type).
        const carriedFrom =
          records === definition.recordTypes[0] ? [credentialWatermarkName(sourceSpec.kind, sourceSpec.credentialFingerprint, filter)] : [];
        previous = await withObjectStore(deps.environment, destination.bucket, (store) => readStoredWatermark(store, destination, name, carriedFrom));
      }
      const since: TimestampPosition | null = previous?.position ?? sinceFlag;
      definition.startChangesAt?.(sourceSpec.settings, since);
      changes = {
        mode,
        field: records.changeField,
        watermarkRule: definition.watermarkRule(sourceSpec.settings),
        since,
        until: null,
        watermark: mode === 'incremental' ? { key, name, filter } : null,
        previousExportId: previous?.exportId ?? null,
        previousModifiedAt: previous?.modifiedAt ?? null,
        fullLoad: mode === 'incremental' && since === null,
      };
      notifyChangesStart(notify, mode, url, previous, since);
    }

    // A trial export is one range read from its start. Otherwise, without --range-rows, as many ranges as the
    // fleet works on at once, cut without count probes: work stealing rebalances them while they run.
    const slots = (await new FleetRoster(deps.redis, deps.environment.queuePrefix).slots()) || DEFAULT_FLEET_SLOTS;
    const sizing: RangeSizing =
      request.limit !== undefined
        ? { kind: 'trial', limit: request.limit }
        : request.rangeRows !== undefined
          ? { kind: 'range-rows', rows: request.rangeRows }
          : { kind: 'fleet', slots };
    const planOptions: PlanOptions =
      sizing.kind === 'trial'
        ? { targetRowsPerRange: Number.MAX_SAFE_INTEGER }
        : sizing.kind === 'range-rows'
          ? { targetRowsPerRange: sizing.rows }
          : { rangesFor: (totalRows) => rangesForFleet(totalRows, pageSize, slots) };
    const plan = await source.plan({ ...planOptions, ...(changes ? { changesSince: changes.since } : {}) });
    if (request.limit !== undefined) for (const range of plan.ranges) range.estimatedRows = Math.min(range.estimatedRows, request.limit);
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
              `only those modified at or after the start are written (each record's ${changes.field} decides); ` +
              'a contact modified while the export runs is in this run or the next',
      );
    }
    // Every range is read after this instant (Redis time, one clock for every worker): see WatermarkRule.
    if (changes?.watermarkRule.kind === 'read-clock') changes.watermarkRule.readStartedAt = await redisMicros(deps.redis);

    const spec: ExportSpec & { table: string; folder: string } = {
      exportId,
      source: sourceSpec,
      destination,
      table: source.table,
      folder: exportFolder(destination, source.table, exportId),
      format,
      schemaName: source.schema.name,
      gzip: request.gzip ?? false,
      partRows,
      pageSize,
      rateLimit,
      rangeCount: plan.ranges.length,
      plannedRows: request.limit !== undefined ? Math.min(request.limit, plan.totalRows) : plan.totalRows,
      createdAt: new Date().toISOString(),
      ...(changes ? { changes } : {}),
      ...(request.limit !== undefined ? { limit: request.limit } : {}),
      ...(notifyUrl !== undefined ? { notifyUrl } : {}),
    };
    return { plan: { spec, ranges: plan.ranges, pageSize, planningRequests: requests.count, sizing }, guard, credential, handed };
  } catch (error) {
    await guard?.release();
    throw error;
  }
}

/**
 * The export's own job, as soon as it is enqueued: a log line with the plan, and a first progress (0 of the
 * planned rows) so that the board shows the export's figures before its first part.
 */
async function describeOnExportJob(plan: ExportPlan, deps: StartExportDependencies): Promise<void> {
  const { spec, ranges, pageSize } = plan;
  const { queuePrefix, variables } = deps.environment;
  const scrub = secretScrubber(variables);
  const line = plannedLine({
    ranges,
    plannedRows: spec.plannedRows,
    pageRequests: estimatedPageRequests(ranges, pageSize),
    pageSize,
    planningRequests: plan.planningRequests,
    sizing: plan.sizing,
    maxRanges: maxRangesFor(spec.plannedRows, pageSize),
  });
  await addExportJobLogLine(deps.redis, queuePrefix, spec.exportId, line, scrub, deps.logger);
  await reportExportJobProgress(deps.redis, queuePrefix, spec.exportId, scrub).catch((error: unknown) =>
    deps.logger.warn({ exportId: spec.exportId, err: scrub((error as Error).message) }, 'could not write the export job progress'),
  );
}

/**
 * What `start` checks before planning, for `schedule`: arguments, credential, Redis, bucket, the API
 * (credential, and the source's own checks of its options). Nothing is written.
 */
export async function checkStartRequest(request: StartExportRequest, deps: StartExportDependencies, handover?: CredentialHandover): Promise<void> {
  await prepareExport(request, deps, handover);
}

async function prepareExport(request: StartExportRequest, deps: StartExportDependencies, handover?: CredentialHandover): Promise<PreparedExport> {
  const definition = sourceDefinition(request.source);
  const records = recordTypeOf(definition, request.records);
  const notifyUrl = request.notifyUrl === undefined ? undefined : checkNotifyUrl(request.notifyUrl);
  if (notifyUrl !== undefined && !deps.environment.notifications.secret) {
    throw new MissingConfigurationError('NOTIFY_SECRET', 'the key --notify signs its notifications with (docs/notifications.md)');
  }
  const format = parsePartFormat(request.format);
  if (request.gzip && format !== 'ndjson') throw new InvalidInputError('--gzip applies to --format ndjson only (Parquet parts are ZSTD-compressed).');
  const destination = parseS3Url(request.dest);
  const rateLimit = request.rateLimit ? parseRateLimit(request.rateLimit) : null;
  const givenPartRows = request.partRows === undefined ? undefined : positiveInteger(request.partRows, '--part-rows');
  if (request.rangeRows !== undefined) positiveInteger(request.rangeRows, '--range-rows', MIN_RANGE_ROWS);
  const options = request.sourceOptions ?? {};
  refuseOtherSourcesOptions(definition, options);
  const givenPageSize = request.pageSize === undefined ? undefined : positiveInteger(request.pageSize, '--page-size');
  if (givenPageSize !== undefined && givenPageSize > definition.pageSize.max) {
    throw new InvalidInputError(
      `--page-size must be ${definition.pageSize.max} or fewer for --source ${definition.name}: ${definition.displayName} refuses larger pages.`,
    );
  }
  const limit = request.limit === undefined ? undefined : positiveInteger(request.limit, '--limit');
  if (limit !== undefined && request.incremental) {
    throw new InvalidInputError(
      '--limit makes a trial export and applies to full and --since exports: an --incremental run must read every change, or its watermark would skip the rest.',
    );
  }
  // A trial export asks for no more records than it keeps.
  const pageSize = limit === undefined ? givenPageSize : Math.min(limit, givenPageSize ?? definition.pageSize.default);
  const mode: ChangeWindowSpec['mode'] | null = request.incremental ? 'incremental' : request.since !== undefined ? 'since' : null;
  const sinceFlag = request.since === undefined ? null : parseSince(request.since);
  const notify = deps.notify ?? ((line: string) => deps.logger.info(line));
  const context: SettingsContext = {
    records,
    changes: mode !== null,
    incremental: mode === 'incremental',
    pageSize,
    environment: deps.environment,
    notify,
  };
  const settings = await definition.settingsFrom(options, context);
  const variables = deps.environment.variables;
  const account = request.account ?? DEFAULT_ACCOUNT;
  await checkRedis(deps.redis, deps.environment.redis.label);
  const handed = new HandedCredentials(deps.redis, deps.environment.queuePrefix, variables);
  // An account without a credential anywhere is refused here (exit 2), before anything is enqueued. A
  // credential handed over with the request is used as it is, and stored (sealed) only once the export is planned.
  const credential: AccountCredential = handover
    ? { secret: checkHandedCredential(handover.credential, handed), from: 'handed over', origin: 'handed-over' }
    : await findAccountCredential(definition, account, variables, handed);
  const secret = credential.secret;
  const baseUrl = baseUrlFrom(variables, definition.baseUrl.variable, definition.baseUrl.default);
  const sourceSpec: SourceSpec = {
    kind: definition.name,
    account,
    records: records.name,
    baseUrl,
    credentialVariable: definition.credential.variable,
    credentialFingerprint: credentialFingerprint(secret),
    settings,
  };

  await checkBucket(destination, deps.environment);

  const requests = new RequestCounter(budgetForExport(deps.redis, deps.environment.queuePrefix, { source: sourceSpec, rateLimit }));
  // Retries while planning reach the operator (stderr for `start`, the log for a scheduled run).
  const scrub = secretScrubber(variables);
  const source = await createSource(sourceSpec, {
    variables,
    handed,
    ...(handover ? { credential: secret } : {}),
    budget: requests,
    onRetry: (retry) => notify(scrub(describeRetry(retry))),
  });
  await source.validate();
  await definition.finishSettings(source, settings, { ...context, options });
  return {
    definition,
    records,
    sourceSpec,
    source,
    destination,
    format,
    partRows: givenPartRows ?? source.schema.partRows ?? DEFAULT_PART_ROWS,
    rateLimit,
    mode,
    sinceFlag,
    pageSize: pageSize ?? definition.pageSize.default,
    requests,
    notify,
    credential,
    handed,
    notifyUrl,
  };
}

/** A credential handed over: not empty (one trailing line break, as `echo` leaves, dropped), and sealable here. */
function checkHandedCredential(text: string, handed: HandedCredentials): string {
  const secret = text.replace(/\r?\n$/, '');
  if (secret.trim() === '') throw new InvalidInputError("The credential handed over is empty: give the account's credential on standard input.");
  handed.checkKeyring();
  return secret;
}

/** An option of another source is refused, naming the source it belongs to and what to do instead. */
function refuseOtherSourcesOptions(definition: SourceDefinition, options: SourceOptionValues): void {
  for (const other of SOURCE_DEFINITIONS) {
    if (other === definition) continue;
    for (const option of other.options) {
      if (!isGiven(options[option.key])) continue;
      const flag = option.flags.split(/[ ,]/)[0]!;
      const instead = definition.insteadOf?.[flag];
      throw new InvalidInputError(`${flag} applies to --source ${other.name} only${instead ? ` (${instead})` : ''}.`);
    }
  }
}

function isGiven(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && !(Array.isArray(value) && value.length === 0);
}

function notifyChangesStart(
  notify: (line: string) => void,
  mode: ChangeWindowSpec['mode'],
  url: string,
  previous: Watermark | undefined,
  since: TimestampPosition | null,
): void {
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

/** `--since`: an ISO 8601 date or date-time; without a zone it is UTC. */
export function parseSince(text: string): TimestampPosition {
  const micros = parseIsoMicros(text);
  if (micros === null) {
    throw new InvalidInputError(
      `--since must be an ISO 8601 date or date-time such as 2024-05-01T00:00:00Z (UTC when no zone is given), got "${text}".`,
    );
  }
  return { at: formatIsoMicros(micros), idsAtLast: [] };
}

async function withObjectStore<T>(environment: Environment, bucket: string, use: (store: ObjectStore) => Promise<T>): Promise<T> {
  const client = createS3Client(environment.s3);
  try {
    return await use(new ObjectStore(client, bucket));
  } finally {
    client.destroy();
  }
}

/**
 * The export index entry (so `resume --dest` finds the folder by id), then `_export.json` beside the
 * parts: enough to rebuild the export's state from S3 if Redis loses it.
 */
async function writeExportDescriptor(
  environment: Environment,
  spec: ExportSpec & { table: string; folder: string },
  ranges: ExportRange[],
): Promise<void> {
  await withObjectStore(environment, spec.destination.bucket, async (store) => {
    await writeExportIndexEntry(store, spec.destination, {
      exportId: spec.exportId,
      table: spec.table,
      folder: spec.folder,
      createdAt: spec.createdAt,
    });
    const descriptor: ExportDescriptor<ExportSpec> = { spec, ranges };
    await store.put(`${spec.folder}/${EXPORT_DESCRIPTOR_NAME}`, JSON.stringify(descriptor, null, 2), { contentType: 'application/json' });
  });
}

function positiveInteger(value: number, flag: string, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min) throw new InvalidInputError(`${flag} must be a whole number of at least ${min}, got ${value}.`);
  return value;
}

async function checkRedis(redis: Redis, label: string): Promise<void> {
  try {
    await redis.ping();
  } catch (error) {
    const refused = redisAccessError(error, label);
    if (refused instanceof RedisRefusedError) throw refused;
    throw new BulkExportError(
      'REDIS_UNREACHABLE',
      `Redis at ${label} did not answer (${(error as Error).message}). Start Redis or set REDIS_URL to a reachable server.`,
    );
  }
}

async function checkBucket(destination: S3Location, environment: Environment): Promise<void> {
  try {
    await withObjectStore(environment, destination.bucket, (store) => store.checkBucket());
  } catch (error) {
    const where = environment.s3.endpoint ? ` at S3_ENDPOINT ${environment.s3.endpoint}` : '';
    throw new BulkExportError(
      'DESTINATION_UNREACHABLE',
      `The bucket "${destination.bucket}"${where} cannot be used (${(error as Error).name}: ${(error as Error).message}). ` +
        'Create the bucket, or check S3_ENDPOINT, AWS_REGION and the AWS credentials.',
    );
  }
}

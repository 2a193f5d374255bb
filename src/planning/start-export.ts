import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { Environment } from '../config/environment.js';
import { requireVariable } from '../config/environment.js';
import { BulkExportError, InvalidInputError } from '../errors/index.js';
import type { Logger } from '../logging/logger.js';
import { enqueueExport } from '../queue/enqueue-export.js';
import { newExportId } from '../queue/export-id.js';
import { ExportRegistry } from '../queue/export-registry.js';
import type { CloseSourceSpec, ExportSpec, SourceSpec, VirtuousSourceSpec } from '../queue/export-spec.js';
import { budgetForExport } from '../ratelimit/budget-for-export.js';
import { parseRateLimit } from '../ratelimit/rate-limit-spec.js';
import { parsePartFormat } from '../sinks/part-format.js';
import { ObjectStore } from '../sinks/s3/object-store.js';
import { createS3Client } from '../sinks/s3/s3-client.js';
import { exportFolder, parseS3Url, type S3Location } from '../sinks/s3/s3-location.js';
import { EXPORT_DESCRIPTOR_NAME, type ExportDescriptor } from '../sinks/export-layout.js';
import type { ExportRange } from './export-range.js';
import { CLOSE_CREDENTIAL_VARIABLE, closeBaseUrl } from '../sources/close/close-client.js';
import { parseFieldList } from '../sources/close/close-fields.js';
import { parseUserQuery } from '../sources/close/close-query.js';
import { DEFAULT_CLOSE_SETTINGS, type CloseSource } from '../sources/close/close-source.js';
import { createSource } from '../sources/create-source.js';
import { credentialFingerprint } from '../sources/credential-fingerprint.js';
import { DEFAULT_VIRTUOUS_SETTINGS, type VirtuousSource } from '../sources/virtuous/virtuous-source.js';

export const SOURCES = ['virtuous', 'close'] as const;
export const DEFAULT_PART_ROWS = 50_000;

/** Options that only one source understands, with what they mean there. */
const SOURCE_ONLY_OPTIONS: { flag: string; source: (typeof SOURCES)[number]; given: (request: StartExportRequest) => boolean; instead: string }[] = [
  { flag: '--include-archived', source: 'virtuous', given: (r) => r.includeArchived === true, instead: 'Close has no archived contacts; narrow the export with --query instead' },
  { flag: '--full-contact', source: 'virtuous', given: (r) => r.fullContact === true, instead: 'Close contacts are read whole; choose columns with --fields' },
  { flag: '--sort-by', source: 'virtuous', given: (r) => r.sortBy !== undefined, instead: 'Close is always paged by date_created' },
  { flag: '--fields', source: 'close', given: (r) => r.fields !== undefined, instead: 'Virtuous records have a fixed shape; use --full-contact for complete records' },
  { flag: '--query', source: 'close', given: (r) => r.queryFile !== undefined, instead: 'Virtuous exports every contact (add --include-archived for archived ones)' },
];

export interface StartExportRequest {
  source: string;
  dest: string;
  format: string;
  gzip?: boolean;
  includeArchived?: boolean;
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
}

export interface StartExportDependencies {
  environment: Environment;
  redis: Redis;
  logger: Logger;
}

/**
 * Validates everything (arguments, credential, Redis, bucket, the API itself), plans balanced
 * ranges, registers the export and enqueues its flow. Nothing is enqueued unless all of it passes.
 */
export async function startExport(request: StartExportRequest, deps: StartExportDependencies): Promise<ExportSpec> {
  if (!(SOURCES as readonly string[]).includes(request.source)) {
    throw new InvalidInputError(`Unknown --source "${request.source}": use one of ${SOURCES.join(', ')}.`);
  }
  const format = parsePartFormat(request.format);
  if (request.gzip && format !== 'ndjson') throw new InvalidInputError('--gzip applies to --format ndjson only (Parquet parts are ZSTD-compressed).');
  const destination = parseS3Url(request.dest);
  const rateLimit = request.rateLimit ? parseRateLimit(request.rateLimit) : null;
  const partRows = positiveInteger(request.partRows ?? DEFAULT_PART_ROWS, '--part-rows');
  const kind = request.source as SourceSpec['kind'];
  for (const option of SOURCE_ONLY_OPTIONS) {
    if (option.source !== kind && option.given(request)) {
      throw new InvalidInputError(`${option.flag} applies to --source ${option.source} only (${option.instead}).`);
    }
  }
  const sourceSpec = kind === 'close' ? await closeSourceSpec(request, deps) : virtuousSourceSpec(request, deps);

  await checkRedis(deps.redis, deps.environment.redisUrl);
  await checkBucket(destination, deps.environment);

  const budget = budgetForExport(deps.redis, deps.environment.queuePrefix, { source: sourceSpec, rateLimit });
  const source = createSource(sourceSpec, { variables: deps.environment.variables, budget });
  await source.validate();
  if (sourceSpec.kind === 'virtuous') {
    sourceSpec.settings.idParameter = await (source as VirtuousSource).resolveIdParameter();
  } else {
    sourceSpec.settings.customFieldKeys = await (source as CloseSource).resolveCustomFieldKeys();
    sourceSpec.settings.discoverCustomFields = false;
  }
  const plan = await source.plan({ targetRowsPerRange: request.rangeRows });

  const spec: ExportSpec = {
    exportId: newExportId(),
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
  };
  await writeExportDescriptor(deps.environment, spec, plan.ranges);
  await new ExportRegistry(deps.redis, deps.environment.queuePrefix).register(spec);
  await enqueueExport(deps.redis, deps.environment.queuePrefix, spec, plan.ranges);
  deps.logger.info({ exportId: spec.exportId, ranges: plan.ranges.length, plannedRows: plan.totalRows }, 'export enqueued');
  return spec;
}

function virtuousSourceSpec(request: StartExportRequest, deps: StartExportDependencies): VirtuousSourceSpec {
  const pageSize = positiveInteger(request.pageSize ?? DEFAULT_VIRTUOUS_SETTINGS.pageSize, '--page-size');
  if (pageSize > 1000) throw new InvalidInputError('--page-size must be 1000 or fewer: Virtuous refuses a larger take.');
  const credentialVariable = 'VIRTUOUS_API_TOKEN';
  const token = requireVariable(deps.environment.variables, credentialVariable, 'the Virtuous API token to read contacts with');
  return {
    kind: 'virtuous',
    baseUrl: deps.environment.virtuousBaseUrl,
    credentialVariable,
    credentialFingerprint: credentialFingerprint(token),
    settings: {
      ...DEFAULT_VIRTUOUS_SETTINGS,
      fullContact: request.fullContact ?? false,
      includeArchived: request.includeArchived ?? false,
      pageSize,
      sortBy: request.sortBy ?? DEFAULT_VIRTUOUS_SETTINGS.sortBy,
    },
  };
}

/** Checks `--fields`, `--page-size` and the `--query` file (its node and condition types) before anything else is asked. */
async function closeSourceSpec(request: StartExportRequest, deps: StartExportDependencies): Promise<CloseSourceSpec> {
  const pageSize = positiveInteger(request.pageSize ?? DEFAULT_CLOSE_SETTINGS.pageSize, '--page-size');
  const selection = parseFieldList(request.fields);
  const query = request.queryFile === undefined ? null : parseUserQuery(await readQueryFile(request.queryFile), request.queryFile);
  const apiKey = requireVariable(deps.environment.variables, CLOSE_CREDENTIAL_VARIABLE, 'the Close API key to read contacts with');
  return {
    kind: 'close',
    baseUrl: closeBaseUrl(deps.environment.variables),
    credentialVariable: CLOSE_CREDENTIAL_VARIABLE,
    credentialFingerprint: credentialFingerprint(apiKey),
    settings: { ...DEFAULT_CLOSE_SETTINGS, ...selection, pageSize, query },
  };
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

function positiveInteger(value: number, flag: string): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidInputError(`${flag} must be a whole number of at least 1, got ${value}.`);
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

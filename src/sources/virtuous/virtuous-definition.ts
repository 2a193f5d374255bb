import { parseDuration } from '../../config/duration.js';
import { InvalidInputError } from '../../errors/index.js';
import { STANDARD_RATE_LIMIT_HEADERS } from '../../ratelimit/rate-limit-dialect.js';
import type { ExportSource } from '../export-source.js';
import type { RecordTypeDefinition } from '../record-type.js';
import type { SettingsContext, SourceDefinition, SourceOptionValues } from '../source-definition.js';
import type { TimestampPosition } from '../../planning/timestamp-position.js';
import { MODIFIED_FIELD } from './change-cut.js';
import { virtuousOptionsListing } from './virtuous-options-listing.js';
import { VirtuousClient } from './virtuous-client.js';
import { DEFAULT_VIRTUOUS_SETTINGS, VirtuousSource, type VirtuousSourceSettings } from './virtuous-source.js';
import { buildWhereGroups } from './where-clause.js';
import { VIRTUOUS_CONTACTS, VIRTUOUS_GIFTS, virtuousRecords, type VirtuousRecords } from './virtuous-records.js';

/**
 * How far the watermark of an incremental export stays behind what its reads prove (see
 * `WatermarkRule`): room for modifications that become visible a little after they are stamped, and for
 * clocks that run at slightly different rates. A longer overlap repeats more contacts at the boundary.
 */
export const DEFAULT_WATERMARK_OVERLAP = '60s';

const collect = (value: string, previous: unknown) => [...(Array.isArray(previous) ? previous : []), value];

/**
 * A Virtuous record type as the exporter declares it: abbreviated records carry no modification time, full
 * ones (every export of changes) do; no record carries an archived flag (contacts' archive state is a query
 * option, not a field).
 */
function recordType(records: VirtuousRecords): RecordTypeDefinition {
  const object = (table: string) => table.slice(table.indexOf('/') + 1);
  return {
    name: records.name,
    noun: records.noun,
    changeField: MODIFIED_FIELD,
    warehouseTables: [
      { object: object(records.tables.abbreviated), key: 'id', modifiedColumn: null, archivedColumn: null },
      { object: object(records.tables.full), key: 'id', modifiedColumn: MODIFIED_FIELD, archivedColumn: null },
    ],
  };
}

/** Virtuous CRM+ (docs/sources/virtuous.md and its "Evidence"). */
export const virtuousDefinition: SourceDefinition<VirtuousSourceSettings> = {
  name: 'virtuous',
  displayName: 'Virtuous',
  credential: { variable: 'VIRTUOUS_API_TOKEN', purpose: 'the Virtuous API token to read records with' },
  baseUrl: { variable: 'VIRTUOUS_BASE_URL', default: 'https://api.virtuoussoftware.com' },
  pageSize: { default: DEFAULT_VIRTUOUS_SETTINGS.pageSize, max: 1000 },
  // 5,000 requests per hour per organization, shared by every key (older pages say 1,500: start such an
  // organization's exports with --rate-limit 1500/1h). The bucket follows `X-RateLimit-*` either way.
  rateLimit: { default: { requests: 5000, windowMs: 3_600_000 }, dialect: STANDARD_RATE_LIMIT_HEADERS },
  recordTypes: [recordType(VIRTUOUS_CONTACTS), recordType(VIRTUOUS_GIFTS)],
  options: [
    { flags: '--include-archived', key: 'includeArchived', description: 'include archived contacts (the default)' },
    { flags: '--exclude-archived', key: 'excludeArchived', description: 'leave archived contacts out (not with --since/--incremental)' },
    { flags: '--full-contact', key: 'fullContact', description: 'read complete records (Query/FullContact) instead of abbreviated ones' },
    {
      flags: '--full-gift',
      key: 'fullGift',
      description: 'with --records gifts: read complete records (Query/FullGift) instead of abbreviated ones',
    },
    {
      flags: '--where <clause>',
      key: 'where',
      description: '"PARAMETER OPERATOR VALUE" condition, e.g. "Tag IsAnyOf Major Donor" (repeatable, ANDed; see: bulk-export options)',
      parse: collect,
    },
    {
      flags: '--where-group <clauses>',
      key: 'whereGroup',
      description:
        'one OR alternative of ";"-separated conditions, e.g. "State Is CA; Tag IsAnyOf Board Member" (repeatable; --where conditions join every group)',
      parse: collect,
    },
    { flags: '--sort-by <value>', key: 'sortBy', description: 'sortBy value meaning "by id" (default Id)' },
    {
      flags: '--watermark-overlap <duration>',
      key: 'watermarkOverlap',
      description: `with --incremental: how far the next watermark stays behind what the reads prove (default ${DEFAULT_WATERMARK_OVERLAP}; longer repeats more contacts at the boundary)`,
    },
  ],
  insteadOf: {
    '--fields': 'Virtuous records have a fixed shape; use --full-contact for complete records',
    '--query': 'narrow a Virtuous export with --where "PARAMETER OPERATOR VALUE"',
  },

  async settingsFrom(options, context) {
    const records = virtuousRecords(context.records.name);
    refuseOtherRecordsOptions(options, records);
    if (options.includeArchived && options.excludeArchived) {
      throw new InvalidInputError(
        '--include-archived and --exclude-archived contradict each other: give one (archived contacts are included by default).',
      );
    }
    if (context.changes && options.excludeArchived) {
      throw new InvalidInputError(
        '--exclude-archived cannot be combined with --since or --incremental: archiving a contact is a modification, and an export of changes ' +
          'that leaves archived contacts out would never show that they were archived. Leave --exclude-archived out.',
      );
    }
    if (options.watermarkOverlap !== undefined && !context.incremental)
      throw new InvalidInputError('--watermark-overlap applies to --incremental exports only.');
    const overlapMs = parseDuration(String(options.watermarkOverlap ?? DEFAULT_WATERMARK_OVERLAP), '--watermark-overlap', 0);
    const fullFlag = FULL_RECORDS_FLAGS[records.name];
    const fullAsked = options[fullFlag.key] === true;
    if (context.changes && !fullAsked) {
      context.notify(
        `virtuous: --since/--incremental read ${records.fullQuery.slice('/Query/'.length)} records (the abbreviated ones carry no modification date): implied ${fullFlag.flag}`,
      );
    }
    return {
      ...DEFAULT_VIRTUOUS_SETTINGS,
      fullRecords: context.changes || fullAsked,
      includeArchived: options.excludeArchived !== true,
      pageSize: context.pageSize ?? DEFAULT_VIRTUOUS_SETTINGS.pageSize,
      sortBy: typeof options.sortBy === 'string' ? options.sortBy : DEFAULT_VIRTUOUS_SETTINGS.sortBy,
      ...(context.changes ? { changes: { since: null, prefilter: null, overlapMs } } : {}),
    };
  },

  async finishSettings(
    source: ExportSource,
    ready: VirtuousSourceSettings,
    context: SettingsContext & { options: SourceOptionValues },
  ): Promise<void> {
    const virtuous = source as VirtuousSource;
    ready.idKeyset = await virtuous.resolveIdKeyset();
    const warnings: string[] = [];
    ready.groups = buildWhereGroups(
      stringList(context.options.where),
      stringList(context.options.whereGroup),
      await virtuous.queryOptions(),
      warnings,
    );
    for (const warning of warnings) context.notify(`warning: ${warning}`);
    if (ready.changes) ready.changes.prefilter = await virtuous.resolvePrefilter();
    if (virtuous.pageSize !== ready.pageSize) {
      context.notify(`virtuous: Virtuous refused take=${ready.pageSize} for ${context.records.name}; pages of ${virtuous.pageSize} are read instead`);
      ready.pageSize = virtuous.pageSize;
    }
  },

  startChangesAt(settings: VirtuousSourceSettings, since: TimestampPosition | null): void {
    if (settings.changes) settings.changes.since = since;
  },

  watermarkRule(settings: VirtuousSourceSettings) {
    const overlapMs = settings.changes?.overlapMs ?? parseDuration(DEFAULT_WATERMARK_OVERLAP, '--watermark-overlap', 0);
    return { kind: 'read-clock', readStartedAt: null, overlapMs };
  },

  filterOf: (settings: VirtuousSourceSettings) => settings.groups ?? null,

  create(connection, settings, runtime) {
    const client = new VirtuousClient({
      baseUrl: connection.baseUrl,
      records: virtuousRecords(runtime.records.name),
      token: connection.secret,
      ...(connection.rereadSecret ? { rereadToken: connection.rereadSecret } : {}),
      budget: connection.budget,
      timeoutMs: connection.timeoutMs,
      maxAttempts: connection.maxAttempts,
      onRetry: connection.onRetry,
    });
    return new VirtuousSource(client, settings, runtime);
  },

  async listOptions(connection, recordType) {
    const records = virtuousRecords(recordType.name);
    const client = new VirtuousClient({
      baseUrl: connection.baseUrl,
      records,
      token: connection.secret,
      timeoutMs: connection.timeoutMs,
      maxAttempts: connection.maxAttempts,
    });
    return virtuousOptionsListing(await client.queryOptions(), records);
  },
};

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** The switch that asks for each record type's full records. */
const FULL_RECORDS_FLAGS: Record<VirtuousRecords['name'], { flag: string; key: string }> = {
  contacts: { flag: '--full-contact', key: 'fullContact' },
  gifts: { flag: '--full-gift', key: 'fullGift' },
};

/** An option of another record type (`--full-contact` for gifts; archived flags, which only contacts have) is refused, saying what to give instead. */
function refuseOtherRecordsOptions(options: SourceOptionValues, records: VirtuousRecords): void {
  for (const [name, { flag, key }] of Object.entries(FULL_RECORDS_FLAGS)) {
    if (name !== records.name && options[key] !== undefined) {
      throw new InvalidInputError(
        `${flag} applies to --records ${name}; for --records ${records.name} give ${FULL_RECORDS_FLAGS[records.name].flag}.`,
      );
    }
  }
  if (!records.archivable) {
    for (const flag of ['--include-archived', '--exclude-archived'] as const) {
      const key = flag === '--include-archived' ? 'includeArchived' : 'excludeArchived';
      if (options[key] !== undefined)
        throw new InvalidInputError(`${flag} applies to --records contacts: Virtuous ${records.name} are never archived.`);
    }
  }
}

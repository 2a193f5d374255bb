import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../../errors/index.js';
import type { ExportSource } from '../export-source.js';
import type { RecordTypeDefinition } from '../record-type.js';
import type { SourceDefinition, SourceOptionValues } from '../source-definition.js';
import { CloseClient } from './close-client.js';
import { prepareCloseSettings } from './close-export-preparation.js';
import { CLOSE_CONTACT_FIELDS, parseFieldList } from './close-fields.js';
import { closeKeyset } from './close-keyset.js';
import { closeOptionsListing } from './close-options-listing.js';
import { parseUserQuery, queryProblem, type CloseQueryNode } from './close-query.js';
import { CLOSE_RATE_LIMIT_DIALECT } from './close-rate-limit.js';
import { CloseSource, DEFAULT_CLOSE_SETTINGS, type CloseSourceSettings } from './close-source.js';

/** Contacts (`POST /api/v1/data/search/` with `object_type` `contact`): no archived flag. */
const contacts: RecordTypeDefinition = {
  name: 'contacts',
  noun: 'contact',
  changeField: 'date_updated',
  warehouseTables: [{ object: 'contacts', key: 'id', modifiedColumn: 'date_updated', archivedColumn: null }],
};

/** Close (docs/sources/close.md and its "Evidence"). */
export const closeDefinition: SourceDefinition<CloseSourceSettings> = {
  name: 'close',
  displayName: 'Close',
  credential: { variable: 'CLOSE_API_KEY', purpose: 'the Close API key to read contacts with' },
  baseUrl: { variable: 'CLOSE_BASE_URL', default: 'https://api.close.com/api/v1' },
  // `_limit`: Close publishes no ceiling; 100 to 200 are known to work, and a refused size steps down.
  pageSize: { default: DEFAULT_CLOSE_SETTINGS.pageSize, max: 1000 },
  // No fixed figure is published: limits are per endpoint group, per key and per organization (3x a key's);
  // the documentation's example is 20 requests per second per key. The `RateLimit:` header corrects the key's.
  rateLimit: { default: { requests: 20, windowMs: 1000 }, dialect: CLOSE_RATE_LIMIT_DIALECT, scopes: { key: 1, organization: 3 } },
  recordTypes: [contacts],
  options: [
    {
      flags: '--fields <list>',
      key: 'fields',
      description: 'contact fields to export, comma-separated: regular fields, "custom" (every custom field), custom.<id>; default all',
    },
    { flags: '--query <file>', key: 'query', description: 'JSON file with a Close query tree, ANDed into every search' },
  ],
  insteadOf: {
    '--include-archived': 'Close has no archived contacts; narrow the export with --query instead',
    '--exclude-archived': 'Close has no archived contacts; narrow the export with --query instead',
    '--full-contact': 'Close contacts are read whole; choose columns with --fields',
    '--sort-by': 'Close is always paged by date_created, or date_updated with --since/--incremental',
    '--where': 'narrow a Close export with --query FILE.json',
    '--where-group': 'narrow a Close export with --query FILE.json (its "or" nodes)',
    '--watermark-overlap': 'Close walks date_updated in order and fixes the end of each run when planning',
  },

  /** Checks `--fields` and the `--query` (its node and condition types) before anything else is asked. */
  async settingsFrom(options, context) {
    const selection = parseFieldList(typeof options.fields === 'string' ? options.fields : undefined);
    if (context.changes && !selection.fields.includes('date_updated')) {
      const chosen = new Set([...selection.fields, 'date_updated']);
      selection.fields = CLOSE_CONTACT_FIELDS.filter((name) => chosen.has(name));
    }
    return {
      ...DEFAULT_CLOSE_SETTINGS,
      ...selection,
      pageSize: context.pageSize ?? DEFAULT_CLOSE_SETTINGS.pageSize,
      query: await queryOf(options.query),
      ...(context.changes ? { timestampField: 'date_updated' as const } : {}),
    };
  },

  async finishSettings(source: ExportSource, settings, context) {
    await prepareCloseSettings(source as CloseSource, settings, context.notify);
  },

  watermarkRule: () => ({ kind: 'walk-position', cursorKey: closeKeyset('date_updated').positionKey }),

  filterOf: (settings) => settings.query,

  /** A schedule keeps the query itself: the workers that run it may not have the file. */
  async storableOptions(options: SourceOptionValues): Promise<SourceOptionValues> {
    return options.query === undefined ? options : { ...options, query: await queryOf(options.query) };
  },

  create(connection, settings, runtime) {
    const client = new CloseClient({
      baseUrl: connection.baseUrl,
      apiKey: connection.secret,
      ...(connection.rereadSecret ? { rereadApiKey: connection.rereadSecret } : {}),
      budget: connection.budget,
      timeoutMs: connection.timeoutMs,
      maxAttempts: connection.maxAttempts,
      onRetry: connection.onRetry,
    });
    return new CloseSource(client, settings, runtime);
  },

  async listOptions(connection) {
    const client = new CloseClient({
      baseUrl: connection.baseUrl,
      apiKey: connection.secret,
      timeoutMs: connection.timeoutMs,
      maxAttempts: connection.maxAttempts,
    });
    return closeOptionsListing(await client.listContactCustomFields());
  },
};

/** `--query`: a path to a JSON file on the command line, or the query tree itself once stored with a schedule. */
async function queryOf(value: unknown): Promise<CloseQueryNode | null> {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return parseUserQuery(await readQueryFile(value), value);
  const problem = queryProblem(value, 'query');
  if (problem) throw new InvalidInputError(`The stored Close query is not valid: ${problem}`);
  return value as CloseQueryNode;
}

async function readQueryFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError(
      `Cannot read --query ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give the path of a JSON file holding a Close query.`,
    );
  }
}

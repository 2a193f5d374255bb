/**
 * Runs the Close contact-search simulator until SIGINT/SIGTERM (docker-compose, demos, benchmarks).
 *
 *   tsx scripts/close-simulator.ts --contacts 100000 --port 4020 --api-key close-sim-key --rate-limit 40/1 --shared-timestamp 2000
 *
 * Every flag also reads from the environment (flags win): CLOSE_SIM_CONTACTS, CLOSE_SIM_PORT,
 * CLOSE_SIM_HOST, CLOSE_SIM_API_KEY, CLOSE_SIM_SEED, CLOSE_SIM_RATE_LIMIT (N/SECONDS),
 * CLOSE_SIM_ORGANIZATION_LIMIT, CLOSE_SIM_RATE_LIMIT_HEADER, CLOSE_SIM_SHARED_TIMESTAMP (N), CLOSE_SIM_SHARED_AT (ISO),
 * CLOSE_SIM_ERROR_RATE, CLOSE_SIM_DROP_RATE, CLOSE_SIM_LATENCY_MS (N or MIN-MAX), CLOSE_SIM_MAX_LIMIT,
 * CLOSE_SIM_MAX_OBJECTS_PER_WALK, CLOSE_SIM_CURSOR_TTL_MS, CLOSE_SIM_CUSTOM_FIELDS, CLOSE_SIM_MAX_FIELD_SELECTORS,
 * CLOSE_SIM_CUSTOM_FIELD_SHAPE, CLOSE_SIM_CURSOR_ERROR_SHAPE, CLOSE_SIM_WALK_CAP_SHAPE, CLOSE_SIM_UNASKED_LEAD_ID.
 *
 * The three *-shape flags and --rate-limit-header choose how the simulator answers where the evidence
 * leaves the real API's answer open (docs/simulators/close.md): an exporter should be exact with every value of each.
 *
 * Unlike the library (127.0.0.1), the script listens on 0.0.0.0 by default so that other containers
 * can reach it; pass --host 127.0.0.1 to keep it local.
 */
import { parseArgs } from 'node:util';
import {
  CURSOR_ERROR_SHAPES,
  CUSTOM_FIELD_SHAPES,
  RATE_LIMIT_HEADER_SCOPES,
  startCloseSimulator,
  WALK_CAP_SHAPES,
  type CloseSimulator,
  type CloseSimulatorOptions,
  type RateLimitHeaderScope,
} from '../simulators/close/index.js';

const FLAGS = {
  contacts: 'CLOSE_SIM_CONTACTS',
  port: 'CLOSE_SIM_PORT',
  host: 'CLOSE_SIM_HOST',
  'api-key': 'CLOSE_SIM_API_KEY',
  seed: 'CLOSE_SIM_SEED',
  'rate-limit': 'CLOSE_SIM_RATE_LIMIT',
  'organization-limit': 'CLOSE_SIM_ORGANIZATION_LIMIT',
  'rate-limit-header': 'CLOSE_SIM_RATE_LIMIT_HEADER',
  'shared-timestamp': 'CLOSE_SIM_SHARED_TIMESTAMP',
  'shared-at': 'CLOSE_SIM_SHARED_AT',
  'error-rate': 'CLOSE_SIM_ERROR_RATE',
  'drop-rate': 'CLOSE_SIM_DROP_RATE',
  'latency-ms': 'CLOSE_SIM_LATENCY_MS',
  'max-limit': 'CLOSE_SIM_MAX_LIMIT',
  'max-objects-per-walk': 'CLOSE_SIM_MAX_OBJECTS_PER_WALK',
  'cursor-ttl-ms': 'CLOSE_SIM_CURSOR_TTL_MS',
  'custom-fields': 'CLOSE_SIM_CUSTOM_FIELDS',
  'max-field-selectors': 'CLOSE_SIM_MAX_FIELD_SELECTORS',
  'custom-field-shape': 'CLOSE_SIM_CUSTOM_FIELD_SHAPE',
  'cursor-error-shape': 'CLOSE_SIM_CURSOR_ERROR_SHAPE',
  'walk-cap-shape': 'CLOSE_SIM_WALK_CAP_SHAPE',
  'unasked-lead-id': 'CLOSE_SIM_UNASKED_LEAD_ID',
} as const;
type Flag = keyof typeof FLAGS;
type Settings = Partial<Record<Flag, string>>;

const USAGE = `Usage: tsx scripts/close-simulator.ts [--contacts N (10000)] [--port P (4020)] [--host H (0.0.0.0)] [--api-key K] [--seed S]
  [--rate-limit N/SECONDS] [--organization-limit N] [--rate-limit-header ${RATE_LIMIT_HEADER_SCOPES.join('|')}]
  [--shared-timestamp N] [--shared-at ISO]
  [--error-rate F] [--drop-rate F] [--latency-ms N|MIN-MAX] [--max-limit N] [--max-objects-per-walk N]
  [--cursor-ttl-ms N] [--custom-fields N] [--max-field-selectors N (100)]
  [--custom-field-shape ${CUSTOM_FIELD_SHAPES.join('|')}] [--cursor-error-shape ${CURSOR_ERROR_SHAPES.join('|')}]
  [--walk-cap-shape ${WALK_CAP_SHAPES.join('|')}] [--unasked-lead-id no|yes]   (first of each is the default)`;

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const settings: Settings = {};
  for (const [flag, variable] of Object.entries(FLAGS) as [Flag, string][]) {
    const value = (values as Record<string, string | boolean | undefined>)[flag] ?? process.env[variable];
    if (typeof value === 'string' && value !== '') settings[flag] = value;
  }
  return settings;
}

function numberSetting(settings: Settings, flag: Flag): number | undefined {
  const text = settings[flag];
  if (text === undefined) return undefined;
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(value)) fail(`--${flag} must be a number, got '${text}'`);
  return value;
}

function rateLimitSetting(settings: Settings): CloseSimulatorOptions['rateLimit'] {
  const text = settings['rate-limit'];
  if (text === undefined) {
    if (settings['organization-limit'] !== undefined) fail('--organization-limit needs --rate-limit');
    if (settings['rate-limit-header'] !== undefined) fail('--rate-limit-header needs --rate-limit');
    return undefined;
  }
  const match = /^(\d+)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!match) fail(`--rate-limit must look like N/SECONDS (e.g. 40/1), got '${text}'`);
  const organizationLimit = numberSetting(settings, 'organization-limit');
  const header = settings['rate-limit-header'];
  if (header !== undefined && !(RATE_LIMIT_HEADER_SCOPES as readonly string[]).includes(header)) {
    fail(`--rate-limit-header must be one of ${RATE_LIMIT_HEADER_SCOPES.join(', ')}, got '${header}'`);
  }
  return {
    limit: Number(match[1]),
    windowMs: Number(match[2]) * 1000,
    ...(organizationLimit === undefined ? {} : { organizationLimit }),
    ...(header === undefined ? {} : { header: header as RateLimitHeaderScope }),
  };
}

function latencySetting(text: string | undefined): number | [number, number] | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!match) fail(`--latency-ms must be N or MIN-MAX, got '${text}'`);
  return match[2] === undefined ? Number(match[1]) : [Number(match[1]), Number(match[2])];
}

function choiceSetting<T extends string>(settings: Settings, flag: Flag, allowed: readonly T[]): T | undefined {
  const text = settings[flag];
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) fail(`--${flag} must be one of ${allowed.join(', ')}, got '${text}'`);
  return text as T;
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

/** `{ [key]: value }` when the value is defined, else `{}` (options are exact about absent keys). */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

const settings = readSettings();
const errorRate = numberSetting(settings, 'error-rate');
const dropRate = numberSetting(settings, 'drop-rate');
const latencyMs = latencySetting(settings['latency-ms']);
const faults =
  errorRate === undefined && dropRate === undefined && latencyMs === undefined
    ? undefined
    : { ...optional('errorRate', errorRate), ...optional('dropRate', dropRate), ...optional('latencyMs', latencyMs) };
const sharedCount = numberSetting(settings, 'shared-timestamp');
if (settings['shared-at'] !== undefined && sharedCount === undefined) fail('--shared-at needs --shared-timestamp');

const options: CloseSimulatorOptions = {
  contacts: numberSetting(settings, 'contacts') ?? 10_000,
  port: numberSetting(settings, 'port') ?? 4020,
  host: settings.host ?? '0.0.0.0',
  ...optional('apiKey', settings['api-key']),
  ...optional('seed', numberSetting(settings, 'seed')),
  ...optional('rateLimit', rateLimitSetting(settings)),
  ...optional('sharedTimestamp', sharedCount === undefined ? undefined : { count: sharedCount, ...optional('at', settings['shared-at']) }),
  ...optional('faults', faults),
  ...optional('maxLimit', numberSetting(settings, 'max-limit')),
  ...optional('maxObjectsPerWalk', numberSetting(settings, 'max-objects-per-walk')),
  ...optional('cursorTtlMs', numberSetting(settings, 'cursor-ttl-ms')),
  ...optional('customFields', numberSetting(settings, 'custom-fields')),
  ...optional('maxFieldSelectors', numberSetting(settings, 'max-field-selectors')),
  ...optional('customFieldShape', choiceSetting(settings, 'custom-field-shape', CUSTOM_FIELD_SHAPES)),
  ...optional('cursorErrorShape', choiceSetting(settings, 'cursor-error-shape', CURSOR_ERROR_SHAPES)),
  ...optional('walkCapShape', choiceSetting(settings, 'walk-cap-shape', WALK_CAP_SHAPES)),
  ...optional(
    'unaskedLeadId',
    choiceSetting(settings, 'unasked-lead-id', ['no', 'yes'] as const) === undefined ? undefined : settings['unasked-lead-id'] === 'yes',
  ),
};

let simulator: CloseSimulator;
try {
  simulator = await startCloseSimulator(options);
} catch (error) {
  fail(`Could not start the simulator: ${error instanceof Error ? error.message : String(error)}`);
}

const rate = options.rateLimit;
console.log(
  `Close simulator: ${options.contacts} contacts${rate ? `, ${rate.limit} requests per ${rate.windowMs / 1000} s per key` : ''}` +
    `${options.sharedTimestamp ? `, ${options.sharedTimestamp.count} sharing one date_created` : ''}`,
);
console.log(`url=${simulator.url}`);
console.log(`apiKey=${simulator.apiKey}`);
console.log(`search: POST ${simulator.url}/data/search/ (HTTP Basic, API key as user name, empty password)`);
console.log(`custom fields: GET ${simulator.url}/custom_field/contact/`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  await simulator.close();
  const { requests, byStatus, rowsServed, cursorsExpired } = simulator.stats;
  console.log(
    `${signal}: stopped after ${requests} requests (${JSON.stringify(byStatus)}), ${rowsServed} rows served, ${cursorsExpired} cursors expired`,
  );
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

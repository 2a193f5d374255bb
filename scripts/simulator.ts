/**
 * Runs the Virtuous CRM+ simulator until SIGINT/SIGTERM (docker-compose, demos).
 *
 *   tsx scripts/simulator.ts --contacts 100000 --port 4010 --token sim-token --rate-limit 5000/3600
 *
 * Every flag also reads from the environment: SIM_CONTACTS, SIM_PORT, SIM_HOST, SIM_TOKEN, SIM_SEED,
 * SIM_RATE_LIMIT (N/SECONDS), SIM_ERROR_RATE, SIM_DROP_RATE, SIM_LATENCY_MS (N or MIN-MAX),
 * SIM_MAX_TAKE, SIM_ARCHIVED_FRACTION, SIM_DATE_FILTER_PRECISION (instant, day or date-only: how date
 * parameters treat a time of day, a behaviour the evidence leaves open), SIM_CONTACT_SHAPE (documented or
 * recorded: the fields a full contact carries, see the simulator's options), SIM_GIFTS (gifts of the first
 * organization, default 0), SIM_GIFT_SHAPE (documented or recorded: the fields a full gift carries),
 * SIM_GIFT_ID_PARAMETER (Gift Id, Id or GiftId: the gift id parameter's name in QueryOptions) and
 * SIM_MAX_GIFT_TAKE (the largest take of a gift query, default 1000). Flags win over the environment.
 *
 * More organizations beside the first ('default', described by the flags above):
 *
 *   tsx scripts/simulator.ts --organization acme:acme-token:5000 --organization globex:globex-token:20000:7
 *
 * each NAME:TOKEN:CONTACTS[:SEED] with its own contacts (ids apart from the others') and its own rate window
 * of the same --rate-limit; SIM_ORGANIZATIONS holds the same, separated by spaces or commas.
 *
 * Unlike the library (127.0.0.1), the script listens on 0.0.0.0 by default so that other containers
 * (docker-compose's `http://simulator:8080`) can reach it; pass --host 127.0.0.1 to keep it local.
 */
import { parseArgs } from 'node:util';
import { startVirtuousSimulator, type VirtuousOrganizationOptions, type VirtuousSimulatorOptions } from '../simulators/index.js';
import { DATE_FILTER_PRECISIONS, type DateFilterPrecision } from '../simulators/virtuous/date-filter-value.js';
import { CONTACT_SHAPES, type ContactShape } from '../simulators/virtuous/contact-records.js';
import { GIFT_ID_PARAMETERS, type GiftIdParameter } from '../simulators/virtuous/gift-query-schema.js';
import { GIFT_SHAPES, type GiftShape } from '../simulators/virtuous/gift-records.js';

const FLAGS = {
  contacts: 'SIM_CONTACTS',
  port: 'SIM_PORT',
  host: 'SIM_HOST',
  token: 'SIM_TOKEN',
  seed: 'SIM_SEED',
  'rate-limit': 'SIM_RATE_LIMIT',
  'error-rate': 'SIM_ERROR_RATE',
  'drop-rate': 'SIM_DROP_RATE',
  'latency-ms': 'SIM_LATENCY_MS',
  'max-take': 'SIM_MAX_TAKE',
  'archived-fraction': 'SIM_ARCHIVED_FRACTION',
  'date-filter-precision': 'SIM_DATE_FILTER_PRECISION',
  'contact-shape': 'SIM_CONTACT_SHAPE',
  gifts: 'SIM_GIFTS',
  'gift-shape': 'SIM_GIFT_SHAPE',
  'gift-id-parameter': 'SIM_GIFT_ID_PARAMETER',
  'max-gift-take': 'SIM_MAX_GIFT_TAKE',
} as const;
type Flag = keyof typeof FLAGS;

const USAGE = `Usage: tsx scripts/simulator.ts [--contacts N] [--port P (4010)] [--host H (0.0.0.0)] [--token T] [--seed S]
  [--rate-limit N/SECONDS] [--error-rate F] [--drop-rate F] [--latency-ms N|MIN-MAX] [--max-take N] [--archived-fraction F]
  [--date-filter-precision instant|day|date-only] [--contact-shape documented|recorded] [--gifts N] [--gift-shape documented|recorded]
  [--gift-id-parameter 'Gift Id'|Id|GiftId] [--max-gift-take N] [--organization NAME:TOKEN:CONTACTS[:SEED]]...`;

const { values: flagValues } = parseArgs({
  options: {
    ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])),
    organization: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
});

function readSettings(): Partial<Record<Flag, string>> {
  if (flagValues.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const settings: Partial<Record<Flag, string>> = {};
  for (const [flag, variable] of Object.entries(FLAGS) as [Flag, string][]) {
    const value = (flagValues as Record<string, string | string[] | boolean | undefined>)[flag] ?? process.env[variable];
    if (typeof value === 'string' && value !== '') settings[flag] = value;
  }
  return settings;
}

function numberSetting(settings: Partial<Record<Flag, string>>, flag: Flag): number | undefined {
  const text = settings[flag];
  if (text === undefined) return undefined;
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(value)) fail(`--${flag} must be a number, got '${text}'`);
  return value;
}

/** A whole number >= `minimum`: counts and page caps refuse `2.5` or `-1` here, with the usage, rather than when the simulator starts. */
function wholeNumberSetting(settings: Partial<Record<Flag, string>>, flag: Flag, minimum: number): number | undefined {
  const value = numberSetting(settings, flag);
  if (value !== undefined && !(Number.isInteger(value) && value >= minimum)) {
    fail(`--${flag} must be a whole number >= ${minimum}, got '${settings[flag]}'`);
  }
  return value;
}

function rateLimitSetting(text: string | undefined): VirtuousSimulatorOptions['rateLimit'] {
  if (text === undefined) return undefined;
  const match = /^(\d+)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!match) fail(`--rate-limit must look like N/SECONDS (e.g. 5000/3600), got '${text}'`);
  return { limit: Number(match[1]), windowMs: Number(match[2]) * 1000 };
}

function latencySetting(text: string | undefined): number | [number, number] | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!match) fail(`--latency-ms must be N or MIN-MAX, got '${text}'`);
  return match[2] === undefined ? Number(match[1]) : [Number(match[1]), Number(match[2])];
}

/** `--organization NAME:TOKEN:CONTACTS[:SEED]`, repeated, else SIM_ORGANIZATIONS (the same, separated by spaces or commas). */
function organizationsSetting(rateLimit: VirtuousSimulatorOptions['rateLimit']): VirtuousOrganizationOptions[] {
  const texts = flagValues.organization ?? (process.env.SIM_ORGANIZATIONS ?? '').split(/[\s,]+/).filter((text) => text !== '');
  return texts.map((text) => {
    const match = /^([^:\s]+):([^:\s]+):(\d[\d_]*)(?::(\d+))?$/.exec(text.trim());
    if (!match)
      fail(
        `--organization must look like NAME:TOKEN:CONTACTS[:SEED], NAME and TOKEN without ':' or spaces (e.g. acme:acme-token:5000), got '${text}'`,
      );
    return {
      name: match[1]!,
      tokens: [match[2]!],
      contacts: Number(match[3]!.replace(/_/g, '')),
      ...(match[4] === undefined ? {} : { seed: Number(match[4]) }),
      ...(rateLimit === undefined ? {} : { rateLimit }),
    };
  });
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const settings = readSettings();
const errorRate = numberSetting(settings, 'error-rate');
const dropRate = numberSetting(settings, 'drop-rate');
const latencyMs = latencySetting(settings['latency-ms']);
const faults =
  errorRate === undefined && dropRate === undefined && latencyMs === undefined
    ? undefined
    : {
        ...(errorRate === undefined ? {} : { errorRate }),
        ...(dropRate === undefined ? {} : { dropRate }),
        ...(latencyMs === undefined ? {} : { latencyMs }),
      };

const shape = settings['contact-shape'];
if (shape !== undefined && !(CONTACT_SHAPES as readonly string[]).includes(shape)) {
  fail(`--contact-shape must be one of ${CONTACT_SHAPES.join(', ')}, got '${shape}'`);
}
const giftShape = settings['gift-shape'];
if (giftShape !== undefined && !(GIFT_SHAPES as readonly string[]).includes(giftShape)) {
  fail(`--gift-shape must be one of ${GIFT_SHAPES.join(', ')}, got '${giftShape}'`);
}
const giftIdParameter = settings['gift-id-parameter'];
if (giftIdParameter !== undefined && !(GIFT_ID_PARAMETERS as readonly string[]).includes(giftIdParameter)) {
  fail(`--gift-id-parameter must be one of ${GIFT_ID_PARAMETERS.map((name) => `'${name}'`).join(', ')}, got '${giftIdParameter}'`);
}
const gifts = wholeNumberSetting(settings, 'gifts', 0);
const maxGiftTake = wholeNumberSetting(settings, 'max-gift-take', 1);
const precision = settings['date-filter-precision'];
if (precision !== undefined && !(DATE_FILTER_PRECISIONS as readonly string[]).includes(precision)) {
  fail(`--date-filter-precision must be one of ${DATE_FILTER_PRECISIONS.join(', ')}, got '${precision}'`);
}

const rateLimit = rateLimitSetting(settings['rate-limit']);
const organizations = organizationsSetting(rateLimit);
const options: VirtuousSimulatorOptions = {
  contacts: numberSetting(settings, 'contacts') ?? 10_000,
  port: numberSetting(settings, 'port') ?? 4010,
  host: settings.host ?? '0.0.0.0',
  ...(settings.token === undefined ? {} : { token: settings.token }),
  ...(settings.seed === undefined ? {} : { seed: numberSetting(settings, 'seed')! }),
  ...(rateLimit === undefined ? {} : { rateLimit }),
  ...(organizations.length === 0 ? {} : { organizations }),
  ...(faults === undefined ? {} : { faults }),
  ...(settings['max-take'] === undefined ? {} : { maxTake: numberSetting(settings, 'max-take')! }),
  ...(settings['archived-fraction'] === undefined ? {} : { archivedFraction: numberSetting(settings, 'archived-fraction')! }),
  ...(precision === undefined ? {} : { dateFilterPrecision: precision as DateFilterPrecision }),
  ...(shape === undefined ? {} : { contactShape: shape as ContactShape }),
  ...(gifts === undefined ? {} : { gifts }),
  ...(giftShape === undefined ? {} : { giftShape: giftShape as GiftShape }),
  ...(giftIdParameter === undefined ? {} : { giftIdParameter: giftIdParameter as GiftIdParameter }),
  ...(maxGiftTake === undefined ? {} : { maxGiftTake }),
};

let simulator: Awaited<ReturnType<typeof startVirtuousSimulator>>;
try {
  simulator = await startVirtuousSimulator(options);
} catch (error) {
  fail(`Could not start the simulator: ${error instanceof Error ? error.message : String(error)}`);
}

console.log(
  `Virtuous CRM+ simulator: ${options.contacts} contacts${options.gifts ? `, ${options.gifts} gifts` : ''}${options.rateLimit ? `, ${options.rateLimit.limit} requests per ${options.rateLimit.windowMs / 1000} s` : ''}`,
);
console.log(`url=${simulator.url}`);
console.log(`token=${simulator.token}`);
for (const organization of simulator.organizations.slice(1)) {
  const ids = organization.expectedIds({ includeArchived: true });
  console.log(`organization=${organization.name} token=${organization.token} contacts=${ids.length} ids=${ids[0] ?? '-'}..${ids.at(-1) ?? '-'}`);
}

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  await simulator.close();
  const { requests, byStatus, rowsServed } = simulator.stats;
  console.log(`${signal}: stopped after ${requests} requests (${JSON.stringify(byStatus)}), ${rowsServed} rows served`);
  if (simulator.organizations.length > 1) {
    for (const { name, stats } of simulator.organizations) console.log(`  ${name}: ${stats.requests} requests, ${stats.rowsServed} rows served`);
  }
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

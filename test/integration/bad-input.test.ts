import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentialKey } from '../../src/accounts/credential-keyring.js';
import { ExportFixture } from '../support/export-fixture.js';

const DEST = ['--dest', 's3://exports/crm'];
const VIRTUOUS = ['start', '--source', 'virtuous', ...DEST];
const CLOSE = ['start', '--source', 'close', ...DEST];
const EXPORT_ID = 'exp-20261130t120000-abcdef';
/** A process that can seal credentials handed over. */
const KEYED = { CREDENTIALS_KEY: generateCredentialKey('bad-input') };
/** A process that can sign completion notifications. */
const NOTIFYING = { NOTIFY_SECRET: 'notify-secret-bad-input' };

/**
 * Every option and argument a user can get wrong: exit code 2, a message that names the value and
 * says what to do, nothing on stdout, and no key written to Redis (the shared request budget of the
 * credential may exist: validation that reaches the API spends requests).
 */
describe('bad input is refused with exit code 2 and changes nothing', () => {
  let fixture: ExportFixture;
  let brokenQuery: string;

  beforeAll(async () => {
    fixture = await ExportFixture.create('bad-input', { contacts: 50 });
    brokenQuery = join(tmpdir(), `bad-input-query-${process.pid}.json`);
    await writeFile(brokenQuery, '{"query": {"type": "nonsense"}}');
  });
  afterAll(() => fixture?.close());

  async function keysWritten(): Promise<string[]> {
    const redis = new Redis(fixture.redisUrl);
    try {
      return (await redis.keys(`${fixture.prefix}:*`)).filter((key) => !key.startsWith(`${fixture.prefix}:budget:`));
    } finally {
      redis.disconnect();
    }
  }

  const cases: [string, string[], RegExp, NodeJS.ProcessEnv?, string?][] = [
    // start: what and where
    ['an unknown source', ['start', '--source', 'salesforce', ...DEST], /Unknown --source "salesforce": use one of virtuous, close/],
    ['an unknown format', [...VIRTUOUS, '--format', 'csv'], /Unknown --format "csv": use one of parquet, ndjson/],
    [
      'an unknown record type',
      [...VIRTUOUS, '--records', 'donors'],
      /Unknown --records "donors" for --source virtuous: use one of contacts, gifts\./,
    ],
    ['an unknown record type in a list', [...VIRTUOUS, '--records', 'contacts,pledges'], /Unknown --records "pledges" for --source virtuous/],
    ['an empty record type in a list', [...VIRTUOUS, '--records', 'contacts,'], /--records "contacts," has an empty name/],
    [
      'an unknown record type to schedule',
      ['schedule', '--source', 'close', ...DEST, '--every', '1h', '--records', 'deals'],
      /Unknown --records "deals" for --source close: use contacts\./,
    ],
    [
      'an unknown record type to list options of',
      ['options', '--source', 'virtuous', '--records', 'pledges'],
      /Unknown --records "pledges" for --source virtuous/,
    ],
    [
      'the contacts switch for gifts',
      [...VIRTUOUS, '--records', 'gifts', '--full-contact'],
      /--full-contact applies to --records contacts; for --records gifts give --full-gift\./,
    ],
    [
      'the gifts switch for contacts',
      [...VIRTUOUS, '--full-gift'],
      /--full-gift applies to --records gifts; for --records contacts give --full-contact\./,
    ],
    [
      'archived gifts',
      [...VIRTUOUS, '--records', 'gifts', '--exclude-archived'],
      /--exclude-archived applies to --records contacts: Virtuous gifts are never archived\./,
    ],
    ['gzip with Parquet', [...VIRTUOUS, '--gzip'], /--gzip applies to --format ndjson only/],
    [
      'a destination that is not s3://',
      ['start', '--source', 'virtuous', '--dest', '/tmp/out'],
      /--dest must look like s3:\/\/BUCKET\/PREFIX, got "\/tmp\/out"/,
    ],
    [
      'a destination climbing out with ..',
      ['start', '--source', 'virtuous', '--dest', 's3://exports/../../etc'],
      /--dest prefix "\.\.\/\.\.\/etc" has the segment "\.\."/,
    ],
    [
      'a destination with empty segments',
      ['start', '--source', 'virtuous', '--dest', 's3://exports//a//b'],
      /--dest prefix "\/a\/\/b" has an empty segment/,
    ],
    [
      'a destination with a bad bucket name',
      ['start', '--source', 'virtuous', '--dest', 's3://My_Bucket/x'],
      /bucket "My_Bucket" is not a valid S3 bucket name/,
    ],
    ['a missing --dest', ['start', '--source', 'virtuous'], /required option '--dest <url>' not specified/],
    // start: accounts
    ['an account name climbing out with ..', [...VIRTUOUS, '--account', '../acme'], /--account must be an account name: .* \(got "\.\.\/acme"\)/],
    ['an account name with upper case', [...VIRTUOUS, '--account', 'Acme'], /--account must be an account name/],
    ['an account name on list', ['list', '--account', 'a/b'], /--account must be an account name/],
    [
      'an account without a credential anywhere',
      [...VIRTUOUS, '--account', 'nobody'],
      /No credential for the virtuous account "nobody": looked in the credentials handed over \(none for this account\), then CREDENTIALS_DIR\/virtuous\/nobody \(CREDENTIALS_DIR is not set\)/,
    ],
    [
      'an account whose file is not in CREDENTIALS_DIR',
      ['schedule', '--source', 'virtuous', ...DEST, '--every', '1h', '--account', 'nobody'],
      /No credential for the virtuous account "nobody": looked in the credentials handed over \(none for this account\), then CREDENTIALS_DIR\/virtuous\/nobody \(\/nonexistent\/virtuous\/nobody\)/,
      { CREDENTIALS_DIR: '/nonexistent' },
    ],
    // credentials handed over
    [
      'a credential handed over without CREDENTIALS_KEY',
      [...VIRTUOUS, '--account', 'acme', '--credential-stdin'],
      /CREDENTIALS_KEY is not set: the key that seals credentials handed over/,
      {},
      'acme-token-123456',
    ],
    ['an empty credential handed over', [...VIRTUOUS, '--account', 'acme', '--credential-stdin'], /The credential handed over is empty/, KEYED, '\n'],
    [
      'a CREDENTIALS_KEY that is not a key list',
      [...VIRTUOUS, '--account', 'acme', '--credential-stdin'],
      /CREDENTIALS_KEY .*expected one or more "<key id>:<base64 of 32 random bytes>"/,
      { CREDENTIALS_KEY: 'k1:c2hvcnQ=' },
      'acme-token-123456',
    ],
    [
      'credentials set without CREDENTIALS_KEY',
      ['credentials', 'set', '--source', 'virtuous', '--account', 'acme'],
      /CREDENTIALS_KEY is not set/,
      {},
      'acme-token-123456',
    ],
    ['credentials set of an empty credential', ['credentials', 'set', '--source', 'virtuous', '--account', 'acme'], /is empty/, KEYED, ''],
    [
      'credentials delete of an account with none',
      ['credentials', 'delete', '--source', 'virtuous', '--account', 'acme'],
      /No credential is handed over for the virtuous account "acme"/,
    ],
    ['credentials new-key with a bad id', ['credentials', 'new-key', '--id', 'a b'], /key id/],
    ['an unknown option', [...VIRTUOUS, '--bogus'], /unknown option '--bogus'/],
    // start: numbers
    ['--part-rows 0', [...VIRTUOUS, '--part-rows', '0'], /--part-rows must be a whole number from 1 to 10000000, got "0"/],
    ['--part-rows -5', [...VIRTUOUS, '--part-rows', '-5'], /--part-rows must be a whole number/],
    ['--part-rows 1.5', [...VIRTUOUS, '--part-rows', '1.5'], /--part-rows must be a whole number.*got "1\.5"/],
    ['--range-rows 0', [...VIRTUOUS, '--range-rows', '0'], /--range-rows must be a whole number of at least 100, got "0"/],
    ['--range-rows -5', [...VIRTUOUS, '--range-rows', '-5'], /--range-rows must be a whole number of at least 100, got "-5"/],
    ['--range-rows abc', [...VIRTUOUS, '--range-rows', 'abc'], /--range-rows must be a whole number of at least 100, got "abc"/],
    ['--range-rows 1e3', [...VIRTUOUS, '--range-rows', '1e3'], /--range-rows must be a whole number/],
    ['--page-size 0', [...VIRTUOUS, '--page-size', '0'], /--page-size must be a whole number from 1 to 1000, got "0"/],
    ['--page-size 5000', [...VIRTUOUS, '--page-size', '5000'], /--page-size must be a whole number from 1 to 1000/],
    ['--rate-limit fast', [...VIRTUOUS, '--rate-limit', 'fast'], /--rate-limit must look like N\/WINDOW/],
    ['--rate-limit 0/1h', [...VIRTUOUS, '--rate-limit', '0/1h'], /--rate-limit needs at least 1 request per window/],
    // start: changes and archives
    ['--since that is no date', [...VIRTUOUS, '--since', 'last tuesday'], /--since must be an ISO 8601 date or date-time/],
    [
      '--exclude-archived with --incremental',
      [...VIRTUOUS, '--incremental', '--exclude-archived'],
      /--exclude-archived cannot be combined with --since or --incremental/,
    ],
    ['--include-archived with --exclude-archived', [...VIRTUOUS, '--include-archived', '--exclude-archived'], /contradict each other/],
    [
      '--watermark-overlap without --incremental',
      [...VIRTUOUS, '--watermark-overlap', '30s'],
      /--watermark-overlap applies to --incremental exports only/,
    ],
    [
      '--watermark-overlap that is no duration',
      [...VIRTUOUS, '--incremental', '--watermark-overlap', 'a while'],
      /--watermark-overlap must be a duration/,
    ],
    // start: options of the other source, filters
    ['--fields for Virtuous', [...VIRTUOUS, '--fields', 'name'], /--fields applies to --source close only/],
    ['--where for Close', [...CLOSE, '--where', 'Tag IsAnyOf x'], /--where applies to --source virtuous only/],
    ['--exclude-archived for Close', [...CLOSE, '--exclude-archived'], /--exclude-archived applies to --source virtuous only/],
    ['an unknown Close field', [...CLOSE, '--fields', 'name,shoe_size'], /Unknown --fields "shoe_size"/],
    ['a --query file that does not exist', [...CLOSE, '--query', '/nonexistent/q.json'], /Cannot read --query \/nonexistent\/q\.json/],
    ['a --query of an unknown node type', [...CLOSE, '--query', 'BROKEN'], /nonsense/],
    ['a misspelled --where parameter', [...VIRTUOUS, '--where', 'Tga IsAnyOf Major Donor'], /unknown parameter "Tga".*did you mean "Tag"/],
    ['a missing credential', VIRTUOUS, /VIRTUOUS_API_TOKEN is not set/, { VIRTUOUS_API_TOKEN: '' }],
    // commands on an export
    ['status of a path', ['status', '../../etc'], /"\.\.\/\.\.\/etc" is not an export id/],
    ['cancel of a malformed id', ['cancel', 'exp-nope'], /"exp-nope" is not an export id/],
    ['pause of a malformed id', ['pause', 'EXP-20261130T120000-ABCDEF'], /is not an export id/],
    ['resume of a path', ['resume', '../../etc', '--dest', 's3://exports/crm'], /"\.\.\/\.\.\/etc" is not an export id/],
    ['resume with a bad --dest', ['resume', EXPORT_ID, '--dest', 's3://exports/../x'], /--dest prefix "\.\.\/x" has the segment "\.\."/],
    ['retry --range abc', ['retry', EXPORT_ID, '--range', 'abc'], /--range must be a whole number of at least 0, got "abc"/],
    ['retry without an id', ['retry'], /missing required argument 'exportId'/],
    // long-running commands
    ['worker --concurrency 0', ['worker', '--concurrency', '0'], /--concurrency must be a whole number from 1 to 64, got "0"/],
    ['worker --concurrency abc', ['worker', '--concurrency', 'abc'], /--concurrency must be a whole number from 1 to 64/],
    ['worker --metrics-port 70000', ['worker', '--metrics-port', '70000'], /--metrics-port must be a whole number from 0 to 65535, got "70000"/],
    ['board --port abc', ['board', '--port', 'abc'], /--port must be a whole number from 0 to 65535, got "abc"/],
    ['list --limit 0', ['list', '--limit', '0'], /--limit must be a whole number from 1 to 1000, got "0"/],
    ['metrics --port -1', ['metrics', '--port', '-1'], /--port must be a whole number from 0 to 65535/],
    ['status --watch --interval 0', ['status', EXPORT_ID, '--watch', '--interval', '0'], /--interval must be a number of seconds above 0/],
    // schedules
    ['schedule without a period', ['schedule', '--source', 'virtuous', ...DEST], /Give exactly one of --every DURATION/],
    ['schedule --every 500ms', ['schedule', '--every', '500ms', '--source', 'virtuous', ...DEST], /--every must be a duration of at least 1s/],
    [
      'schedule --cron that is no pattern',
      ['schedule', '--cron', 'every day', '--source', 'virtuous', ...DEST],
      /--cron "every day" is not a cron pattern.*five fields/,
    ],
    [
      'schedule --cron out of range',
      ['schedule', '--cron', '61 * * * *', '--source', 'virtuous', ...DEST],
      /--cron "61 \* \* \* \*" is not a cron pattern \(got value 61 expected range 0-59\)/,
    ],
    [
      'schedule --tz that is no zone',
      ['schedule', '--cron', '0 2 * * *', '--tz', 'Mars/Olympus', '--source', 'virtuous', ...DEST],
      /--tz "Mars\/Olympus" is not an IANA time zone name/,
    ],
    ['schedule --tz without --cron', ['schedule', '--every', '1h', '--tz', 'UTC', '--source', 'virtuous', ...DEST], /--tz applies to --cron only/],
    [
      'schedule --name with spaces',
      ['schedule', '--every', '1h', '--name', 'my schedule', '--source', 'virtuous', ...DEST],
      /--name must be 1-100 letters/,
    ],
    ['unschedule of an unknown schedule', ['unschedule', 'nope'], /No schedule "nope"/],
    ['options of an unknown source', ['options', '--source', 'salesforce'], /Unknown --source "salesforce"/],
    // trial exports
    ['start --limit 0', [...VIRTUOUS, '--limit', '0'], /--limit must be a whole number of at least 1, got "0"/],
    [
      'start --limit with --incremental',
      [...VIRTUOUS, '--limit', '10', '--incremental'],
      /--limit makes a trial export .* an --incremental run must read every change/,
    ],
    // completion notifications
    [
      '--notify that is not http(s)',
      [...VIRTUOUS, '--notify', 'ftp://hooks.example.com/x'],
      /--notify must be an http:\/\/ or https:\/\/ URL/,
      NOTIFYING,
    ],
    [
      '--notify that is no URL',
      [...VIRTUOUS, '--notify', 'hooks.example.com/x'],
      /--notify must be an absolute http:\/\/ or https:\/\/ URL/,
      NOTIFYING,
    ],
    [
      '--notify with a password in the URL',
      [...VIRTUOUS, '--notify', 'https://user:pass@hooks.example.com/x'],
      /--notify must not hold a user name or password/,
      NOTIFYING,
    ],
    ['--notify without NOTIFY_SECRET', [...VIRTUOUS, '--notify', 'https://hooks.example.com/x'], /NOTIFY_SECRET is not set: the key --notify signs/],
    [
      'schedule --notify without NOTIFY_SECRET',
      ['schedule', '--every', '1h', '--source', 'virtuous', ...DEST, '--notify', 'https://hooks.example.com/x'],
      /NOTIFY_SECRET is not set/,
    ],
    [
      'NOTIFY_RETRY_MAX_WAIT_MS shorter than the first wait',
      [...VIRTUOUS, '--notify', 'https://hooks.example.com/x'],
      /NOTIFY_RETRY_MAX_WAIT_MS is 100, shorter than the first wait/,
      { ...NOTIFYING, NOTIFY_RETRY_MAX_WAIT_MS: '100' },
    ],
    // credentials from files
    [
      'a credential given as a variable and as a file',
      ['start', '--source', 'virtuous', ...DEST],
      /VIRTUOUS_API_TOKEN_FILE is set, and so is VIRTUOUS_API_TOKEN: give the credential one way only/,
      { VIRTUOUS_API_TOKEN_FILE: '/etc/hostname' },
    ],
    [
      'a credential file that cannot be read',
      ['start', '--source', 'virtuous', ...DEST],
      /VIRTUOUS_API_TOKEN_FILE names "\/nonexistent\/token", which cannot be read \(ENOENT\)/,
      { VIRTUOUS_API_TOKEN: '', VIRTUOUS_API_TOKEN_FILE: '/nonexistent/token' },
    ],
  ];

  // Each case is its own CLI process and writes nothing: they run a few at once (vitest's maxConcurrency).
  it.concurrent.for(cases)('%s', async ([, args, message, env = {}, input], { expect }) => {
    const result = await fixture.cli(
      args.map((arg) => (arg === 'BROKEN' ? brokenQuery : arg)),
      env,
      input === undefined ? {} : { input },
    );
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    expect(await keysWritten()).toEqual([]);
  });
});

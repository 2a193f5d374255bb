import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging/logger.js';
import { ExportFixture } from '../support/export-fixture.js';
import { readEnvironment } from '../../src/config/environment.js';

const TOKEN = 'vt-Secret-4b9e2c7d1a8f6e35';

function memory(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('logs', () => {
  let fixture: ExportFixture | undefined;

  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('a range worker logs JSON with export id, range and job id on every line, and never the token, through 5xx retries', async () => {
    fixture = await ExportFixture.create(
      'logs',
      { contacts: 6_000, token: TOKEN, faults: { errorRate: 0.1, seed: 5 } },
      { env: { LOG_LEVEL: 'debug' } },
    );
    const [worker] = await fixture.startWorkers(1, 2);
    const dest = 's3://exports/logs';
    const { exportId, result } = await fixture.start([
      '--dest',
      dest,
      '--format',
      'ndjson',
      '--part-rows',
      '1000',
      '--range-rows',
      '2000',
      '--page-size',
      '250',
    ]);
    expect(result.code, result.stderr).toBe(0);
    await fixture.waitForCommit(exportId);
    await worker!.stop();

    const output = worker!.output() + result.stderr;
    expect(output).not.toContain(TOKEN);
    expect(output).not.toMatch(/Bearer\s+\w/);

    const lines = worker!.output().trim().split('\n');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const ofExport = records.filter((record) => record.exportId === exportId);
    const retries = ofExport.filter((record) => record.msg === 'source request failed; retrying');
    expect(retries.length, 'the simulator answered some 5xx, so retries were logged').toBeGreaterThan(0);
    expect(retries[0]).toMatchObject({ problem: expect.stringMatching(/^HTTP 50[03]$/), endpoint: expect.any(String) });

    const rangeMessages = new Set(['range started', 'part committed', 'source request failed; retrying', 'range done', 'range attempt failed']);
    const rangeLines = ofExport.filter((record) => rangeMessages.has(record.msg as string));
    expect(rangeLines.length).toBeGreaterThan(retries.length);
    for (const record of rangeLines) {
      expect(record, JSON.stringify(record)).toMatchObject({ exportId, jobId: expect.stringMatching(new RegExp(`^${exportId}-r\\d+$`)) });
      expect(record.range, JSON.stringify(record)).toBeDefined();
    }
    expect(ofExport.some((record) => record.msg === 'export committed')).toBe(true);
  });

  it('redacts tokens and Authorization headers by path and scrubs secret values anywhere in a line', () => {
    const out = memory();
    const variables = { VIRTUOUS_API_TOKEN: TOKEN, CLOSE_API_KEY: 'close-key-0123456789', SHORT_TOKEN: 'abc' };
    const logger = createLogger({ destination: out.stream, variables, level: 'debug', name: 'test' });
    logger.info(
      {
        token: TOKEN,
        apiKey: 'close-key-0123456789',
        headers: { Authorization: `Bearer ${TOKEN}`, accept: 'application/json' },
        request: { headers: { authorization: `Bearer ${TOKEN}` }, url: 'https://api.example/x' },
        err: { config: { headers: { Authorization: 'Basic dXNlcjpwYXNzd29yZA==' } } },
      },
      'calling the API',
    );
    logger
      .child({ exportId: 'exp-1', range: 3, jobId: 'exp-1-r3' })
      .warn({ err: `HTTP 500 for token ${TOKEN} and key close-key-0123456789` }, 'retrying');
    logger.debug({ note: 'Authorization: Bearer abc.def-ghi' }, 'a header in free text');
    const text = out.text();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('close-key-0123456789');
    expect(text).not.toContain('dXNlcjpwYXNzd29yZA');
    expect(text).not.toContain('abc.def-ghi');

    const [first, second, third] = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(first).toMatchObject({
      token: '[redacted]',
      apiKey: '[redacted]',
      headers: { Authorization: '[redacted]', accept: 'application/json' },
      request: { headers: { authorization: '[redacted]' }, url: 'https://api.example/x' },
      err: { config: { headers: { Authorization: '[redacted]' } } },
    });
    expect(second).toMatchObject({ exportId: 'exp-1', range: 3, jobId: 'exp-1-r3', err: 'HTTP 500 for token [redacted] and key [redacted]' });
    expect(third.note).toBe('Authorization: Bearer [redacted]');
  });

  it('LOG_LEVEL sets the level and LOG_PRETTY=1 prints human lines (pino-pretty), still scrubbed', () => {
    const quiet = memory();
    const quietEnvironment = readEnvironment({ LOG_LEVEL: 'warn' });
    createLogger({ destination: quiet.stream, level: quietEnvironment.logLevel, pretty: quietEnvironment.logPretty }).info('not shown');
    expect(quiet.text()).toBe('');

    const out = memory();
    const environment = readEnvironment({ LOG_PRETTY: '1', VIRTUOUS_API_TOKEN: TOKEN });
    expect(environment.logPretty).toBe(true);
    const logger = createLogger({ destination: out.stream, variables: environment.variables, pretty: environment.logPretty, name: 'pretty' });
    logger.info({ exportId: 'exp-2', token: TOKEN, detail: `sent ${TOKEN}` }, 'range started');
    const text = out.text();
    expect(text).toMatch(/INFO.*\(pretty\): range started/);
    expect(text).toContain('exportId: "exp-2"');
    expect(text).not.toContain(TOKEN);
    expect(() => JSON.parse(text)).toThrow();
  });
});

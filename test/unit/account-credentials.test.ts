import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readAccountCredential } from '../../src/accounts/account-credentials.js';
import { checkAccountName } from '../../src/accounts/account-name.js';
import {
  InvalidConfigurationError,
  InvalidInputError,
  MissingConfigurationError,
  MissingCredentialError,
  SourceRequestError,
} from '../../src/errors/index.js';
import { secretScrubber } from '../../src/logging/secret-scrubber.js';
import { VirtuousClient } from '../../src/sources/virtuous/virtuous-client.js';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/virtuous/index.js';

const VIRTUOUS = { name: 'virtuous', credential: { variable: 'VIRTUOUS_API_TOKEN', purpose: 'the Virtuous API token' } };

describe('account names', () => {
  it('takes lowercase letters, digits, ".", "_" and "-", starting with a letter or digit, up to 63 characters', () => {
    for (const name of ['default', 'acme', 'org-42', 'a.b_c', '0', 'x'.repeat(63)]) expect(checkAccountName(name)).toBe(name);
  });

  it('refuses anything a path or a shell would read differently, with exit code 2', () => {
    for (const name of ['', '..', '../acme', 'acme/x', '.hidden', '-flag', 'Acme', 'a b', 'x'.repeat(64), 'acme\n']) {
      expect(() => checkAccountName(name), name).toThrow(InvalidInputError);
    }
  });
});

describe("where a process finds an account's credential", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'credentials-'));
    await mkdir(join(directory, 'virtuous'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads CREDENTIALS_DIR/<source>/<account> each time it is asked, without the trailing line break', async () => {
    await writeFile(join(directory, 'virtuous', 'acme'), 'acme-token-1\n');
    const variables = { CREDENTIALS_DIR: directory };
    expect(readAccountCredential(VIRTUOUS, 'acme', variables)).toEqual({
      secret: 'acme-token-1',
      from: 'CREDENTIALS_DIR/virtuous/acme',
      origin: 'file',
    });
    await writeFile(join(directory, 'virtuous', 'acme'), 'acme-token-2');
    expect(readAccountCredential(VIRTUOUS, 'acme', variables).secret).toBe('acme-token-2');
  });

  it('takes the default account from its file when there is one, else from the source variable', async () => {
    expect(readAccountCredential(VIRTUOUS, 'default', { VIRTUOUS_API_TOKEN: 'env-token-1' })).toEqual({
      secret: 'env-token-1',
      from: 'VIRTUOUS_API_TOKEN',
      origin: 'variable',
    });
    expect(readAccountCredential(VIRTUOUS, 'default', { CREDENTIALS_DIR: directory, VIRTUOUS_API_TOKEN: 'env-token-1' }).from).toBe(
      'VIRTUOUS_API_TOKEN',
    );
    await writeFile(join(directory, 'virtuous', 'default'), 'file-token-1');
    expect(readAccountCredential(VIRTUOUS, 'default', { CREDENTIALS_DIR: directory, VIRTUOUS_API_TOKEN: 'env-token-1' }).secret).toBe('file-token-1');
  });

  it('names every place it looked when an account has no credential', () => {
    expect(() => readAccountCredential(VIRTUOUS, 'nobody', { CREDENTIALS_DIR: directory, VIRTUOUS_API_TOKEN: 'env-token-1' })).toThrow(
      new MissingCredentialError('virtuous', 'nobody', [`CREDENTIALS_DIR/virtuous/nobody (${join(directory, 'virtuous', 'nobody')})`]),
    );
    expect(() => readAccountCredential(VIRTUOUS, 'nobody', { VIRTUOUS_API_TOKEN: 'env-token-1' })).toThrow(
      /looked in CREDENTIALS_DIR\/virtuous\/nobody \(CREDENTIALS_DIR is not set\)/,
    );
    expect(() => readAccountCredential(VIRTUOUS, 'default', { CREDENTIALS_DIR: join(directory, 'elsewhere') })).toThrow(
      /looked in CREDENTIALS_DIR\/virtuous\/default \(.*\), then VIRTUOUS_API_TOKEN \(or VIRTUOUS_API_TOKEN_FILE\)/,
    );
    // Without accounts, as ever: the variable to set.
    expect(() => readAccountCredential(VIRTUOUS, 'default', {})).toThrow(
      new MissingConfigurationError('VIRTUOUS_API_TOKEN', 'the Virtuous API token'),
    );
  });

  it('refuses an empty credential file rather than sending an empty credential', async () => {
    await writeFile(join(directory, 'virtuous', 'blank'), '\n');
    expect(() => readAccountCredential(VIRTUOUS, 'blank', { CREDENTIALS_DIR: directory })).toThrow(InvalidConfigurationError);
  });

  it('teaches every log scrubber of the process the credential it read, including scrubbers made before', async () => {
    const scrub = secretScrubber({});
    await writeFile(join(directory, 'virtuous', 'scrubbed'), 'learned-secret-value');
    readAccountCredential(VIRTUOUS, 'scrubbed', { CREDENTIALS_DIR: directory });
    expect(scrub('{"err":"token learned-secret-value refused"}')).toBe('{"err":"token [redacted] refused"}');
    expect(secretScrubber({})('learned-secret-value')).toBe('[redacted]');
  });
});

describe('a 401 reads the credential again before it stands', () => {
  let simulator: VirtuousSimulator | undefined;
  afterEach(async () => {
    await simulator?.close();
    simulator = undefined;
  });

  it('tries once more with a rotated credential, and uses it from then on', async () => {
    simulator = await startVirtuousSimulator({ contacts: 10, seed: 1 });
    const sim = simulator;
    let reads = 0;
    const client = new VirtuousClient({ baseUrl: sim.url, token: 'the-token-before-rotation', rereadToken: async () => ((reads += 1), sim.token) });

    await client.queryOptions();
    await client.queryOptions();

    expect(reads).toBe(1);
    expect(sim.stats.byStatus).toEqual({ 401: 1, 200: 2 });
  });

  it('lets the 401 stand when the credential read again is the same', async () => {
    simulator = await startVirtuousSimulator({ contacts: 10, seed: 1 });
    const client = new VirtuousClient({ baseUrl: simulator.url, token: 'not-the-token', rereadToken: async () => 'not-the-token' });

    await expect(client.queryOptions()).rejects.toThrow(SourceRequestError);
    expect(simulator.stats.byStatus).toEqual({ 401: 1 });
  });
});

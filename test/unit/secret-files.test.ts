import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSecretFiles } from '../../src/config/secret-files.js';
import { InvalidConfigurationError } from '../../src/errors/index.js';

describe('credentials from files (<NAME>_FILE)', () => {
  let directory: string;
  const file = (name: string) => join(directory, name);
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'secret-files-'));
    await writeFile(file('token'), 'vt_live_abc123\n');
    await writeFile(file('crlf'), 'p@ss word\r\n');
    await writeFile(file('two-lines'), 'line one\nline two\n\n');
    await writeFile(file('blank'), '\n');
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('sets each credential from its file, less one trailing line break', () => {
    const variables: NodeJS.ProcessEnv = {
      VIRTUOUS_API_TOKEN_FILE: file('token'),
      REDIS_PASSWORD_FILE: file('crlf'),
      BOARD_PASSWORD_FILE: file('two-lines'),
      REDIS_TLS_CA_FILE: '/not/read/here.pem',
    };
    loadSecretFiles(variables, ['VIRTUOUS_API_TOKEN', 'CLOSE_API_KEY']);
    expect(variables.VIRTUOUS_API_TOKEN).toBe('vt_live_abc123');
    expect(variables.REDIS_PASSWORD).toBe('p@ss word');
    expect(variables.BOARD_PASSWORD).toBe('line one\nline two\n');
    expect(variables.CLOSE_API_KEY).toBeUndefined();
    expect(variables.REDIS_TLS).toBeUndefined();
  });

  it('refuses a credential given both ways, an unreadable file and an empty one, naming the variable', () => {
    const refusal = (variables: NodeJS.ProcessEnv) => {
      try {
        loadSecretFiles(variables, ['VIRTUOUS_API_TOKEN']);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidConfigurationError);
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refusal({ VIRTUOUS_API_TOKEN: 'x', VIRTUOUS_API_TOKEN_FILE: file('token') })).toMatch(
      /^VIRTUOUS_API_TOKEN_FILE is set, and so is VIRTUOUS_API_TOKEN/,
    );
    expect(refusal({ AWS_SECRET_ACCESS_KEY_FILE: file('missing') })).toMatch(
      /^AWS_SECRET_ACCESS_KEY_FILE names ".*missing", which cannot be read \(ENOENT\)/,
    );
    expect(refusal({ BOARD_PASSWORD_FILE: file('blank') })).toMatch(/^BOARD_PASSWORD_FILE names ".*blank", which is empty/);
  });
});

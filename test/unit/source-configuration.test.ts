import { describe, expect, it } from 'vitest';
import { baseUrlFrom, readEnvironment, sourceRequestSettings, SOURCE_REQUEST_DEFAULTS } from '../../src/config/environment.js';
import { InvalidConfigurationError, InvalidInputError } from '../../src/errors/index.js';
import { sourceDefinition } from '../../src/sources/registry.js';

/** A source's base URL as `start` reads it: its definition's variable, else its default. */
const baseUrlOf = (source: string, variables: NodeJS.ProcessEnv) => {
  const { baseUrl } = sourceDefinition(source);
  return baseUrlFrom(variables, baseUrl.variable, baseUrl.default);
};

function refusal(run: () => unknown): InvalidConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigurationError);
    // Bad input: the CLI exits 2 for it.
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidConfigurationError;
  }
  throw new Error('expected a refusal');
}

describe('source base URLs', () => {
  it('takes the default, strips a trailing slash, keeps a path', () => {
    expect(baseUrlOf('virtuous', {})).toBe('https://api.virtuoussoftware.com');
    expect(baseUrlOf('virtuous', { VIRTUOUS_BASE_URL: 'http://127.0.0.1:8080/' })).toBe('http://127.0.0.1:8080');
    expect(baseUrlOf('close', {})).toBe('https://api.close.com/api/v1');
    expect(baseUrlOf('close', { CLOSE_BASE_URL: 'https://proxy.example.com/close/api/v1/' })).toBe('https://proxy.example.com/close/api/v1');
  });

  it('refuses what is not an http(s) base URL, naming the variable', () => {
    const notUrl = refusal(() => baseUrlOf('virtuous', { VIRTUOUS_BASE_URL: 'api.virtuoussoftware.com' }));
    expect(notUrl.variable).toBe('VIRTUOUS_BASE_URL');
    expect(notUrl.message).toBe(
      'VIRTUOUS_BASE_URL is "api.virtuoussoftware.com", which is not a URL: give an absolute URL such as https://api.virtuoussoftware.com. ' +
        'Fix VIRTUOUS_BASE_URL in the environment and try again.',
    );
    expect(refusal(() => baseUrlOf('close', { CLOSE_BASE_URL: 'ftp://api.close.com/api/v1' })).message).toMatch(
      /^CLOSE_BASE_URL uses ftp: give an http:\/\/ or https:\/\/ URL/,
    );
    expect(refusal(() => baseUrlFrom({ X: 'https://api.close.com/api/v1?key=1' }, 'X', 'https://d')).message).toContain(
      'has a query string or fragment',
    );
    const withPassword = refusal(() => baseUrlFrom({ X: 'https://user:s3cret@api.close.com' }, 'X', 'https://d'));
    expect(withPassword.message).not.toContain('s3cret');
  });
});

describe('source request settings', () => {
  it('defaults to 60 s and 8 tries, and reads whole numbers', () => {
    expect(sourceRequestSettings({})).toEqual(SOURCE_REQUEST_DEFAULTS);
    expect(SOURCE_REQUEST_DEFAULTS).toEqual({ timeoutMs: 60_000, attempts: 8 });
    expect(sourceRequestSettings({ SOURCE_REQUEST_TIMEOUT_MS: '500', SOURCE_REQUEST_ATTEMPTS: '3' })).toEqual({ timeoutMs: 500, attempts: 3 });
    expect(readEnvironment({ SOURCE_REQUEST_ATTEMPTS: '2' }).sourceRequests).toEqual({ timeoutMs: 60_000, attempts: 2 });
  });

  it('refuses values that are not whole numbers of at least 1', () => {
    expect(refusal(() => sourceRequestSettings({ SOURCE_REQUEST_TIMEOUT_MS: '60s' })).message).toBe(
      'SOURCE_REQUEST_TIMEOUT_MS is "60s": give a whole number of at least 1. Fix SOURCE_REQUEST_TIMEOUT_MS in the environment and try again.',
    );
    expect(refusal(() => sourceRequestSettings({ SOURCE_REQUEST_ATTEMPTS: '0' })).variable).toBe('SOURCE_REQUEST_ATTEMPTS');
  });
});

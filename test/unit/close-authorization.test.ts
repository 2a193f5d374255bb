import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors/index.js';
import { REDACTED, secretScrubber } from '../../src/logging/secret-scrubber.js';
import { closeAuthorization } from '../../src/sources/close/close-authorization.js';

const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;

describe('closeAuthorization', () => {
  it('sends an API key as HTTP Basic: the key as the user name, an empty password', () => {
    expect(closeAuthorization('api_4f1Xy9.ab')).toBe(basic('api_4f1Xy9.ab:'));
    // Only a leading "Bearer" and white space make an access token; anything else is a key, as it is.
    expect(closeAuthorization('bearer')).toBe(basic('bearer:'));
    expect(closeAuthorization('Bearer_key')).toBe(basic('Bearer_key:'));
    expect(closeAuthorization(' Bearer tok')).toBe(basic(' Bearer tok:'));
    expect(closeAuthorization('api_key ')).toBe(basic('api_key :'));
  });

  it('sends "Bearer <token>" as an OAuth access token, whatever the case of "Bearer", white space around the token dropped', () => {
    expect(closeAuthorization('Bearer tokA')).toBe('Bearer tokA');
    expect(closeAuthorization('bearer tokA')).toBe('Bearer tokA');
    expect(closeAuthorization('BEARER tokA')).toBe('Bearer tokA');
    expect(closeAuthorization('Bearer   tokA  \n')).toBe('Bearer tokA');
    expect(closeAuthorization('Bearer\ttok.A-b_c~d+e/f=')).toBe('Bearer tok.A-b_c~d+e/f=');
  });

  it('refuses a "Bearer" credential that holds no sendable token, without quoting it', () => {
    for (const credential of ['Bearer ', 'Bearer   \n', 'Bearer tok secret-part', 'Bearer tok\nsecret-part', 'Bearer tök-secret-part']) {
      let error: unknown;
      try {
        closeAuthorization(credential);
      } catch (thrown) {
        error = thrown;
      }
      expect(error, JSON.stringify(credential)).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toContain('no OAuth access token follows');
      expect((error as Error).message).not.toContain('secret-part');
    }
  });

  it('has the log scrubbers blank the token alone, as an API could echo it', () => {
    closeAuthorization('Bearer oauth-access-7d1e5c');
    expect(secretScrubber({})('{"msg":"token oauth-access-7d1e5c expired"}')).toBe(`{"msg":"token ${REDACTED} expired"}`);
  });
});

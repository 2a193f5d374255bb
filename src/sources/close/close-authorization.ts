import { InvalidInputError } from '../../errors/index.js';
import { learnSecret } from '../../logging/secret-scrubber.js';

/** A credential text naming an OAuth 2.0 access token: `Bearer`, case-insensitive, white space, the token. */
const BEARER_CREDENTIAL = /^bearer\s+/i;
/** What an Authorization header can carry as a token: visible ASCII, no white space (fetch refuses the rest, quoting it). */
const SENDABLE_TOKEN = /^[\x21-\x7e]+$/;

/**
 * The `Authorization` header value for a Close credential. A text that starts with `Bearer ` is an OAuth 2.0
 * access token, which partner applications use (white space around the token is dropped) and which is sent
 * as `Bearer <token>`; any other text is an API key, sent as HTTP Basic with the key as the user name and an
 * empty password. The exporter never refreshes a token: the application that owns the grant does, and writes
 * the new one where the exporter reads the credential (docs/accounts.md).
 */
export function closeAuthorization(credential: string): string {
  if (!BEARER_CREDENTIAL.test(credential)) return basicAuthorization(credential);
  const token = credential.replace(BEARER_CREDENTIAL, '').trim();
  if (!SENDABLE_TOKEN.test(token)) {
    // The message must not quote the text: it is the credential.
    throw new InvalidInputError(
      'The Close credential starts with "Bearer " but no OAuth access token follows: what follows is empty, or holds white space or ' +
        'characters other than visible ASCII. Write "Bearer " and the access token alone (see docs/accounts.md).',
    );
  }
  // The log scrubbers know the whole credential text; an API answer may echo the token alone.
  learnSecret(token);
  return `Bearer ${token}`;
}

/** HTTP Basic with the API key as the user name and an empty password, as Close asks. */
function basicAuthorization(apiKey: string): string {
  return `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`;
}

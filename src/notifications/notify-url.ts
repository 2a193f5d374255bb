import { InvalidInputError } from '../errors/index.js';

/** The longest `--notify` URL taken: it travels in every job of the export. */
const MAX_URL_LENGTH = 2048;

/**
 * `--notify URL`: an absolute http:// or https:// URL with a host, and without a user name or password
 * (the signature authenticates the sender; fetch refuses credentials in a URL) or a fragment (never sent).
 * A query string is allowed, as some receivers take a key there; `displayNotifyUrl` hides it wherever the
 * URL is shown. Returns the URL as given; anything else is an InvalidInputError (exit 2).
 */
export function checkNotifyUrl(text: string): string {
  const shown = JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidInputError(`--notify must be an absolute http:// or https:// URL such as https://hooks.example.com/bulk-export, got ${shown}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidInputError(`--notify must be an http:// or https:// URL, got a ${url.protocol.slice(0, -1)}: URL.`);
  }
  if (url.username || url.password) {
    throw new InvalidInputError(
      '--notify must not hold a user name or password: the receiver checks the Bulk-Export-Signature header instead (docs/notifications.md).',
    );
  }
  if (url.hash) throw new InvalidInputError(`--notify must not have a fragment ("#..."): it is never sent to the receiver.`);
  if (text.length > MAX_URL_LENGTH) throw new InvalidInputError(`--notify must be at most ${MAX_URL_LENGTH} characters long, got ${text.length}.`);
  return text;
}

/**
 * The URL as logs and `status` show it: scheme, host and path, any user name, password or query string
 * replaced by `[redacted]`, since a receiver may take a key there.
 */
export function displayNotifyUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '[unparsable URL]';
  }
  const userinfo = url.username || url.password ? '[redacted]@' : '';
  return `${url.protocol}//${userinfo}${url.host}${url.pathname}${url.search ? '?[redacted]' : ''}`;
}

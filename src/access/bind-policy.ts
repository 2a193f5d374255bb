import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { InvalidInputError } from '../errors/index.js';

/** The user name and password of HTTP basic auth (BOARD_USER / BOARD_PASSWORD), for the board and /metrics. */
export interface AccessCredentials {
  user: string;
  password: string;
}

/** Whether an IP address is a loopback address (127.0.0.0/8, ::1, or 127.x mapped into IPv6). */
export function isLoopbackAddress(address: string): boolean {
  const plain = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(plain) === 4) return plain.startsWith('127.');
  if (isIP(plain) === 6) {
    if (plain === '::1' || plain === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
    return mapped ? mapped[1]!.startsWith('127.') : false;
  }
  return false;
}

/**
 * Whether `host` only ever means this machine: a loopback address, or a name all of whose addresses
 * are loopback (`localhost`). `0.0.0.0` and `::` (every interface) are not loopback.
 */
export async function isLoopbackHost(host: string): Promise<boolean> {
  const plain = host.replace(/^\[|\]$/g, '');
  if (isIP(plain)) return isLoopbackAddress(plain);
  try {
    const addresses = await lookup(plain, { all: true });
    return addresses.length > 0 && addresses.every((entry) => isLoopbackAddress(entry.address));
  } catch {
    return false;
  }
}

/**
 * The board and /metrics bind to loopback by default. Any other address (including 0.0.0.0) is refused
 * unless credentials are configured: whoever reaches the port could otherwise read every export (and,
 * on the board, retry jobs).
 */
export async function assertBindAllowed(host: string, credentials: AccessCredentials | undefined, what = 'the board'): Promise<void> {
  if (credentials || (await isLoopbackHost(host))) return;
  throw new InvalidInputError(
    `Refusing to serve ${what} on ${host}: it is not a loopback address, and BOARD_USER and BOARD_PASSWORD are not set. ` +
      `Set both (${what} then requires HTTP basic auth), or bind to 127.0.0.1 and reach it through an SSH tunnel or a proxy.`,
  );
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * How completion notifications are signed, and how a receiver checks them. This file needs nothing but
 * node:crypto, so a receiver written in Node can copy it as it is (docs/notifications.md shows the same
 * check in a few lines).
 */

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(NOTIFY_SECRET, "<t>.<body>")>`: who sent the body, and when. */
export const SIGNATURE_HEADER = 'Bulk-Export-Signature';
/** The notification's id, the same on every try of it: `<export id>-<committed|failed>`. Receivers drop one they have seen. */
export const DELIVERY_HEADER = 'Bulk-Export-Delivery';
/** `export.committed` or `export.failed`. */
export const EVENT_HEADER = 'Bulk-Export-Event';
/** Which try of the notification this is, from 1. */
export const ATTEMPT_HEADER = 'Bulk-Export-Attempt';

/** How old a signature's timestamp may be (and how far ahead of the receiver's clock) before it is refused. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The value of the signature header for `body` sent at `timestampSeconds`. */
export function signatureHeaderValue(secret: string, body: string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmacHex(secret, `${timestampSeconds}.${body}`)}`;
}

/** Headers as Node's `IncomingMessage.headers` gives them, or a fetch `Headers`. */
export type ReceivedHeaders = { get(name: string): string | null } | Readonly<Record<string, string | string[] | undefined>>;

export type SignatureCheck = { valid: true; timestampSeconds: number } | { valid: false; reason: string };

/**
 * Checks a notification as its receiver got it: the signature header must carry a timestamp within
 * `toleranceSeconds` of now and a `v1` HMAC-SHA256 of `<t>.<body>` under `secret` (compared in constant
 * time). `body` must be the raw bytes received, before any JSON parsing. A replayed notification older
 * than the tolerance is refused; one within it is caught by its delivery id.
 */
export function verifyNotificationSignature(
  secret: string,
  headers: ReceivedHeaders,
  body: string | Buffer,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): SignatureCheck {
  const header = headerValue(headers, SIGNATURE_HEADER);
  if (!header) return { valid: false, reason: `no ${SIGNATURE_HEADER} header` };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const element of header.split(',')) {
    const [key, value = ''] = element.trim().split('=', 2);
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined) return { valid: false, reason: 'the signature has no timestamp' };
  if (signatures.length === 0) return { valid: false, reason: 'the signature has no v1 value' };
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    return { valid: false, reason: `the timestamp is ${now - timestamp} s from now, more than the ${tolerance} s allowed` };
  }
  const expected = Buffer.from(hmacHex(secret, Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(body)])), 'hex');
  const matches = signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected));
  return matches ? { valid: true, timestampSeconds: timestamp } : { valid: false, reason: 'the signature does not match the body' };
}

function hmacHex(secret: string, message: string | Buffer): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

function headerValue(headers: ReceivedHeaders, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const value = (headers as Readonly<Record<string, string | string[] | undefined>>)[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

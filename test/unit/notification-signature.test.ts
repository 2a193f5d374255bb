import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { notificationRetryPolicy, NOTIFY_RETRY_DEFAULTS } from '../../src/config/environment.js';
import { InvalidConfigurationError, InvalidInputError } from '../../src/errors/index.js';
import { notificationRetryWait, retriesExhausted } from '../../src/notifications/notification-retry.js';
import { signatureHeaderValue, verifyNotificationSignature } from '../../src/notifications/notification-signature.js';
import { checkNotifyUrl, displayNotifyUrl } from '../../src/notifications/notify-url.js';

const SECRET = 'whsec-test-3f9a1c0b2e4d';
const BODY = JSON.stringify({ deliveryId: 'exp-20261130t120000-abcdef-committed', rows: 1500 });
const NOW = 1_790_000_000;

function signedHeaders(body: string, timestamp: number, secret = SECRET): Record<string, string> {
  return { 'bulk-export-signature': signatureHeaderValue(secret, body, timestamp) };
}

describe('notification signatures', () => {
  it('signs "<t>.<body>" with HMAC-SHA256, as the docs tell receivers to check it', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    expect(signatureHeaderValue(SECRET, BODY, NOW)).toBe(`t=${NOW},v1=${expected}`);
  });

  it('accepts the body it signed, from Node headers, fetch Headers or a Buffer body', () => {
    const headers = signedHeaders(BODY, NOW);
    expect(verifyNotificationSignature(SECRET, headers, BODY, { nowSeconds: NOW })).toEqual({ valid: true, timestampSeconds: NOW });
    expect(
      verifyNotificationSignature(SECRET, new Headers({ 'Bulk-Export-Signature': headers['bulk-export-signature']! }), Buffer.from(BODY), {
        nowSeconds: NOW + 299,
      }).valid,
    ).toBe(true);
  });

  it('refuses a tampered body, another secret, and a missing or malformed header', () => {
    const headers = signedHeaders(BODY, NOW);
    const tampered = BODY.replace('1500', '1501');
    expect(verifyNotificationSignature(SECRET, headers, tampered, { nowSeconds: NOW })).toEqual({
      valid: false,
      reason: 'the signature does not match the body',
    });
    expect(verifyNotificationSignature('another-secret-123', headers, BODY, { nowSeconds: NOW }).valid).toBe(false);
    expect(verifyNotificationSignature(SECRET, {}, BODY, { nowSeconds: NOW })).toEqual({ valid: false, reason: 'no Bulk-Export-Signature header' });
    expect(verifyNotificationSignature(SECRET, { 'bulk-export-signature': 'v1=abc' }, BODY, { nowSeconds: NOW }).valid).toBe(false);
    // A signature made for another timestamp does not pass with this one.
    const moved = headers['bulk-export-signature']!.replace(`t=${NOW}`, `t=${NOW + 1}`);
    expect(verifyNotificationSignature(SECRET, { 'bulk-export-signature': moved }, BODY, { nowSeconds: NOW }).valid).toBe(false);
  });

  it('refuses a stale timestamp (a replay) and one too far ahead, within the tolerance given', () => {
    const headers = signedHeaders(BODY, NOW);
    expect(verifyNotificationSignature(SECRET, headers, BODY, { nowSeconds: NOW + 301 })).toEqual({
      valid: false,
      reason: 'the timestamp is 301 s from now, more than the 300 s allowed',
    });
    expect(verifyNotificationSignature(SECRET, headers, BODY, { nowSeconds: NOW - 301 }).valid).toBe(false);
    expect(verifyNotificationSignature(SECRET, headers, BODY, { nowSeconds: NOW + 3600, toleranceSeconds: 3600 }).valid).toBe(true);
    expect(verifyNotificationSignature(SECRET, headers, BODY, { nowSeconds: NOW + 61, toleranceSeconds: 60 }).valid).toBe(false);
  });
});

describe('notification retries and URLs', () => {
  it('waits double from the first wait up to the longest, and gives up by time since the enqueue', () => {
    const policy = NOTIFY_RETRY_DEFAULTS;
    expect([1, 2, 3, 9, 10, 40].map((failed) => notificationRetryWait(failed, policy))).toEqual([
      10_000, 20_000, 40_000, 2_560_000, 3_600_000, 3_600_000,
    ]);
    // The default tries span more than 24 hours before the give-up.
    let elapsed = 0;
    let failed = 0;
    while (!retriesExhausted(0, elapsed, policy)) elapsed += notificationRetryWait(++failed, policy);
    expect(elapsed).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(notificationRetryPolicy({ NOTIFY_RETRY_FIRST_WAIT_MS: '50', NOTIFY_RETRY_MAX_WAIT_MS: '200', NOTIFY_GIVE_UP_MS: '1000' })).toEqual({
      firstWaitMs: 50,
      maxWaitMs: 200,
      giveUpAfterMs: 1000,
    });
    expect(() => notificationRetryPolicy({ NOTIFY_RETRY_FIRST_WAIT_MS: '5000', NOTIFY_RETRY_MAX_WAIT_MS: '100' })).toThrow(InvalidConfigurationError);
    expect(() => notificationRetryPolicy({ NOTIFY_GIVE_UP_MS: 'a day' })).toThrow(/NOTIFY_GIVE_UP_MS is "a day": give a whole number/);
  });

  it('takes http(s) URLs only, without credentials, and shows them without their query string', () => {
    expect(checkNotifyUrl('https://hooks.example.com/bulk-export?key=s3cr3t-value')).toBe('https://hooks.example.com/bulk-export?key=s3cr3t-value');
    expect(() => checkNotifyUrl('ftp://hooks.example.com/x')).toThrow(InvalidInputError);
    expect(() => checkNotifyUrl('hooks.example.com/x')).toThrow(/--notify must be an absolute http:\/\/ or https:\/\/ URL/);
    expect(() => checkNotifyUrl('https://user:pass@hooks.example.com/x')).toThrow(/must not hold a user name or password/);
    expect(() => checkNotifyUrl('https://hooks.example.com/x#part')).toThrow(/fragment/);
    expect(displayNotifyUrl('https://hooks.example.com:8443/bulk-export?key=s3cr3t-value')).toBe(
      'https://hooks.example.com:8443/bulk-export?[redacted]',
    );
    expect(displayNotifyUrl('https://user:pass@hooks.example.com/x')).toBe('https://[redacted]@hooks.example.com/x');
  });
});

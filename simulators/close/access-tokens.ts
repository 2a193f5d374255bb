/** Close's access tokens answer `expires_in: 3600` (docs/sources/close.md, "Evidence: beyond contacts"). */
export const ACCESS_TOKEN_LIFETIME_MS = 3_600_000;

/**
 * The OAuth 2.0 access tokens the simulated organization accepts as `Authorization: Bearer <token>`, each
 * until its expiry on the simulator's clock. The simulator issues no tokens itself (it has no
 * `/oauth2/token/`): a test plays the partner application, which refreshes its grant and hands the new
 * access token to the exporter, by issuing one and expiring the old one.
 */
export class AccessTokens {
  /** Epoch ms at which each issued token stops authorizing. */
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Accepts `token` for `lifetimeMs` from now; a token issued before is refused, as every access token is new. */
  issue(token: string, lifetimeMs = ACCESS_TOKEN_LIFETIME_MS): void {
    if (typeof token !== 'string' || !/^\S+$/.test(token)) throw new RangeError('An access token must be a non-empty string without white space');
    if (!(lifetimeMs >= 0) || !Number.isFinite(lifetimeMs)) throw new RangeError(`lifetimeMs must be a finite number >= 0, got ${lifetimeMs}`);
    if (this.expiries.has(token)) throw new RangeError('The simulator already issued this access token: every token must be new');
    this.expiries.set(token, this.now() + lifetimeMs);
  }

  /** Ends an issued token's life now: from this moment it answers 401. */
  expire(token: string): void {
    const expiry = this.expiries.get(token);
    if (expiry === undefined) throw new RangeError('Only an issued access token can be expired');
    this.expiries.set(token, Math.min(expiry, this.now()));
  }

  /** Whether `token` was issued and has not expired. */
  accepts(token: string): boolean {
    const expiry = this.expiries.get(token);
    return expiry !== undefined && this.now() < expiry;
  }
}

export interface TokenLookup<Holder> {
  /** The organization the token belongs to, or belonged to before it was rotated out. */
  holder: Holder;
  /** Whether the token authorizes a request now. */
  accepted: boolean;
}

interface RetiredToken<Holder> {
  holder: Holder;
  /** Epoch ms until which the token still authorizes (its grace period); the past when it had none. */
  acceptedUntil: number;
}

/**
 * Which organization each Bearer token belongs to. A rotated-out token stays known as its former
 * organization's, so a request that still carries it is charged to that organization's rate window and
 * counted in its stats, and answered 401 once its grace period (if any) has passed.
 */
export class TokenRegistry<Holder> {
  private readonly current = new Map<string, Holder>();
  private readonly retired = new Map<string, RetiredToken<Holder>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Registers a token for `holder`; a token any organization holds or held is refused. */
  add(token: string, holder: Holder): void {
    requireUsableToken(token);
    if (this.current.has(token) || this.retired.has(token))
      throw new RangeError('The simulator already knows this token: every token must be unique');
    this.current.set(token, holder);
  }

  /** Replaces `oldToken` by `newToken` for the same holder; the old one still authorizes for `graceMs`. */
  rotate(oldToken: string, newToken: string, graceMs: number): void {
    const holder = this.current.get(oldToken);
    if (holder === undefined) throw new RangeError('Only a token an organization currently holds can be rotated');
    if (!(graceMs >= 0)) throw new RangeError(`graceMs must be >= 0, got ${graceMs}`);
    this.add(newToken, holder);
    this.current.delete(oldToken);
    this.retired.set(oldToken, { holder, acceptedUntil: this.now() + graceMs });
  }

  lookup(token: string | undefined): TokenLookup<Holder> | undefined {
    if (token === undefined) return undefined;
    const holder = this.current.get(token);
    if (holder !== undefined) return { holder, accepted: true };
    const retired = this.retired.get(token);
    return retired && { holder: retired.holder, accepted: this.now() < retired.acceptedUntil };
  }
}

/** The server reads the token as the `\S+` after `Bearer`, so a token with white space could never match. */
function requireUsableToken(token: string): void {
  if (typeof token !== 'string' || !/^\S+$/.test(token)) throw new RangeError('A simulator token must be a non-empty string without white space');
}

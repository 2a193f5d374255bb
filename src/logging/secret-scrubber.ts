/**
 * Variables whose values are credentials: a source's `*_API_TOKEN` or `*_API_KEY`, `AWS_SECRET_ACCESS_KEY`, `BOARD_PASSWORD`,
 * `CREDENTIALS_KEY` (the keys that seal accounts' credentials), ...
 */
const SECRET_NAME = /(TOKEN|API_?KEY|SECRET|SECRET_ACCESS_KEY|PASSWORD|PASSWD|CREDENTIALS_KEY)$/i;
/** Shorter values are not scrubbed: they would blank ordinary words and numbers. */
const MIN_SECRET_LENGTH = 6;
/** `Bearer abc...`, `Basic dXNlcjpwYXNz`, as an Authorization header value could appear inside any text. */
const AUTHORIZATION_VALUE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/g;

export const REDACTED = '[redacted]';

/** The secret values of `variables` (see SECRET_NAME), longest first. */
export function secretValues(variables: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(variables)) {
    if (value && value.length >= MIN_SECRET_LENGTH && SECRET_NAME.test(name)) values.add(value);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * Secrets this process read after its environment: an account's credential from CREDENTIALS_DIR, read when
 * a range needs it. Every scrubber blanks them from the moment they are learned, whenever it was made.
 */
const learned: string[] = [];

/** Blanks `secret` from every line any scrubber of this process sees from now on. */
export function learnSecret(secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH || learned.includes(secret)) return;
  for (const needle of needlesOf([secret])) learned.push(needle);
}

/**
 * A function that blanks every secret value of `variables` and every learned secret (also in their
 * JSON-escaped form) and every `Bearer`/`Basic` credential in a serialized log line. pino runs it on
 * each line before writing.
 */
export function secretScrubber(variables: NodeJS.ProcessEnv): (line: string) => string {
  const needles = needlesOf(secretValues(variables));
  return (line: string) => {
    let scrubbed = line;
    for (const needle of needles) if (scrubbed.includes(needle)) scrubbed = scrubbed.split(needle).join(REDACTED);
    for (const needle of learned) if (scrubbed.includes(needle)) scrubbed = scrubbed.split(needle).join(REDACTED);
    return scrubbed.replace(AUTHORIZATION_VALUE, `$1 ${REDACTED}`);
  };
}

/** Each value as written, and in its JSON-escaped form where that differs. */
function needlesOf(values: readonly string[]): string[] {
  return values.flatMap((value) => {
    const escaped = JSON.stringify(value).slice(1, -1);
    return escaped === value ? [value] : [escaped, value];
  });
}

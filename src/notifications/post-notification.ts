/** One try of a notification: a 2xx answer delivers it; anything else is tried again. */
export type PostOutcome =
  | { delivered: true; status: number }
  /** `status`: the receiver's answer, if any; `answer`: its first bytes, unscrubbed (scrub before logging). */
  | { delivered: false; status?: number; problem: string; answer?: string };

/** The most of a refusing answer's body read, for the log. */
const ANSWER_EXCERPT_BYTES = 512;

/**
 * POSTs `body` to `url` with `headers`, within `timeoutMs` for the whole exchange (connecting, the answer
 * and its body). Redirects are not followed: a receiver that moved answers 3xx, which is a failed try
 * (re-POSTing a signed body elsewhere is the receiver's operator's decision, not ours). Throws only when
 * `signal` aborts (the worker stopping).
 */
export async function postNotification(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<PostOutcome> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal });
    if (response.status >= 200 && response.status < 300) {
      // The answer's status is the receipt; its body is not read.
      await response.body?.cancel().catch(() => undefined);
      return { delivered: true, status: response.status };
    }
    const answer = await answerExcerpt(response).catch(() => '');
    return { delivered: false, status: response.status, problem: `HTTP ${response.status}`, answer };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (timeout.aborted) return { delivered: false, problem: `no answer within ${options.timeoutMs / 1000} s` };
    return { delivered: false, problem: networkProblem(error) };
  }
}

/** The first bytes of the answer's body; the rest is dropped unread, which frees the connection. */
async function answerExcerpt(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < ANSWER_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, ANSWER_EXCERPT_BYTES).toString('utf8');
}

/** `connection failed (ECONNREFUSED)`, from fetch's TypeError and its cause. */
function networkProblem(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error).message;
  return `connection failed (${detail})`;
}

// The server's fixed rate-limit windows, read back from the answers a recording proxy saw.
import type { AnswerRecord } from './services-protocol.js';

export interface RateWindowUse {
  /** The window's `X-RateLimit-Reset` (Unix seconds). */
  reset: number;
  /** When its first answer went back, or its first request arrived (`counted`), in ms. */
  firstAt: number;
  accepted: number;
  tooMany: number;
}

/**
 * Groups answers by the server window they were counted in. Every answer (429s included) carries
 * `X-RateLimit-Reset`, the end of the window it fell in, so no clock has to be guessed here. A window
 * starts with its first answer, or with its first request's arrival when `counted` (the proxy holds
 * answers, and the simulator counts requests as they arrive).
 */
export function rateWindows(records: readonly AnswerRecord[], counted = false): RateWindowUse[] {
  const byReset = new Map<number, RateWindowUse>();
  for (const record of records) {
    if (record.reset === null) continue;
    const at = counted ? record.arrivedAt : record.at;
    let window = byReset.get(record.reset);
    if (!window) {
      window = { reset: record.reset, firstAt: at, accepted: 0, tooMany: 0 };
      byReset.set(record.reset, window);
    }
    window.firstAt = Math.min(window.firstAt, at);
    if (record.status === 429) window.tooMany++;
    else window.accepted++;
  }
  return [...byReset.values()].sort((a, b) => a.reset - b.reset);
}

export interface BudgetUse {
  /** Windows measured: all but the first (start-up, planning) and the last (cut off by the end of the run). */
  measured: RateWindowUse[];
  perWindow: number[];
  minShare: number;
  meanShare: number;
  /** Accepted requests over the measured span against the budget's rate (gaps between windows count as unused). */
  timeShare: number;
  tooMany: number;
}

export function budgetUse(records: readonly AnswerRecord[], limit: number, windowMs: number, skipFirst = true): BudgetUse {
  const windows = rateWindows(records);
  const measured = windows.slice(skipFirst ? 1 : 0, -1);
  const perWindow = measured.map((window) => window.accepted / limit);
  const accepted = measured.reduce((sum, window) => sum + window.accepted, 0);
  const next = windows[windows.indexOf(measured.at(-1)!) + 1];
  const span = measured.length > 0 && next ? next.firstAt - measured[0]!.firstAt : 0;
  return {
    measured,
    perWindow,
    minShare: perWindow.length ? Math.min(...perWindow) : 0,
    meanShare: perWindow.length ? perWindow.reduce((sum, share) => sum + share, 0) / perWindow.length : 0,
    timeShare: span > 0 ? accepted / ((span / windowMs) * limit) : 0,
    tooMany: records.filter((record) => record.status === 429).length,
  };
}

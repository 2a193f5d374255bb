import { badRequest, requireObject } from './close-errors.js';
import { MICROS_PER_DAY, parseIsoDurationMs, parseIsoMicros, parseLocalDateMicros } from './close-timestamp.js';

/**
 * Moments of a `moment_range`, resolved to microseconds when the request arrives:
 * - `{"type":"fixed_utc","value":ISO}`: an ISO 8601 date-time (a zone other than UTC is honoured;
 *   none means UTC), fractional seconds to the microsecond;
 * - `{"type":"fixed_local_date","value":"YYYY-MM-DD","which":"start"|"end"}`: the simulator has no
 *   user time zone, so the day is a UTC day; `start` is its first microsecond, `end` the first
 *   microsecond of the next day (so `before: end of D` includes all of D, `on_or_after: end of D`
 *   starts after D). Anything but a plain date is refused, as Close does;
 * - `{"type":"now"}`: the simulator clock;
 * - `{"type":"offset","value":V,"moment":M?}` (simulator convention; Close's own shape is not
 *   published): M (default now) shifted by V, a signed number of milliseconds or a signed ISO 8601
 *   duration of weeks/days/hours/minutes/seconds (`-P30D`, `PT12H`).
 */
export function resolveMoment(raw: unknown, nowMicros: number, path: string): number {
  const moment = requireObject(raw, path);
  const value = moment['value'];
  switch (moment['type']) {
    case 'fixed_utc': {
      const micros = typeof value === 'string' ? parseIsoMicros(value) : undefined;
      if (micros === undefined) throw badRequest(`${path}.value must be an ISO 8601 date-time, got ${JSON.stringify(value)}.`, `${path}.value`);
      return micros;
    }
    case 'fixed_local_date': {
      const micros = typeof value === 'string' ? parseLocalDateMicros(value) : undefined;
      if (micros === undefined) throw badRequest(`${path}.value must be a date YYYY-MM-DD, got ${JSON.stringify(value)}.`, `${path}.value`);
      const which = moment['which'] ?? 'start';
      if (which !== 'start' && which !== 'end') throw badRequest(`${path}.which must be "start" or "end".`, `${path}.which`);
      return which === 'start' ? micros : micros + MICROS_PER_DAY;
    }
    case 'now':
      return nowMicros;
    case 'offset': {
      const base =
        moment['moment'] === undefined || moment['moment'] === null ? nowMicros : resolveMoment(moment['moment'], nowMicros, `${path}.moment`);
      const ms = typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'string' ? parseIsoDurationMs(value) : undefined;
      if (ms === undefined) {
        throw badRequest(
          `${path}.value must be milliseconds or an ISO 8601 duration such as "-P30D", got ${JSON.stringify(value)}.`,
          `${path}.value`,
        );
      }
      return base + Math.round(ms * 1000);
    }
    default:
      throw badRequest(`Unknown moment type ${JSON.stringify(moment['type'])}; expected fixed_utc, fixed_local_date, now or offset.`, `${path}.type`);
  }
}

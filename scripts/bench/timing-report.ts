import { TARGETS } from './targets.js';
import { fixed, table, thousands, verdict } from './report.js';
import { median, type TimingResult } from './timing.js';

const list = (values: number[]) => values.map((value) => fixed(value)).join(', ');

export function renderTiming(result: TimingResult): string[] {
  const targets = TARGETS.timing;
  const { limit, windowMs, pageMs, workers } = result.shape;
  const out: string[] = [];
  out.push(`### Timing: ${workers} clients on one budget of ${limit} requests per ${windowMs} ms, ${pageMs} ms pages; simulator keyset pages`);
  out.push('');
  out.push(
    table(
      [
        'api, windows',
        'boundaries',
        'ms to first request',
        'median',
        `target <${targets.boundaryFirstMs}`,
        `ms to ${workers}th`,
        'median',
        `target <${targets.boundaryAllMs}`,
        '429s',
      ],
      result.boundaries.map((run) => {
        const first = median(run.firstMs);
        const all = median(run.allMs);
        return [
          `${run.api}, ${run.alignment}`,
          run.firstMs.length,
          run.error ? `ERROR ${run.error.split('\n')[0]}` : list(run.firstMs),
          fixed(first),
          verdict(first < targets.boundaryFirstMs && run.refused === 0),
          list(run.allMs),
          fixed(all),
          verdict(all < targets.boundaryAllMs && run.refused === 0),
          run.refused,
        ];
      }),
    ),
  );
  out.push('');
  out.push(
    "From the end of a spent window (the reset its headers gave) to the next window's first request and to its last worker's, as the server side (a recording proxy) saw them. Order (none before the reset, all at once) is checked by test/ratelimit/window-boundary.test.ts.",
  );
  out.push('');
  const { storm } = result;
  if (storm) {
    const release = median(storm.releasedMs);
    out.push(
      table(
        ['429 storm of 1.5 s', 'figure', 'target', 'verdict'],
        storm.error
          ? [['ERROR', storm.error.split('\n')[0]!, '', '']]
          : [
              ['429s (one per worker at most)', `${storm.refusals}`, `≤${workers}`, verdict(storm.refusals <= workers)],
              [
                'latest 429 after the first one was answered',
                `${fixed(storm.lastRefusedAfterMs)} ms`,
                `<${targets.stormRefusedWithinMs} ms`,
                verdict(storm.lastRefusedAfterMs < targets.stormRefusedWithinMs),
              ],
              [
                `probe after Retry-After (${thousands(storm.retryAfterMs)} ms) ended`,
                `${fixed(storm.silenceOverRetryAfterMs)} ms`,
                `0–${thousands(targets.stormSilenceOverRetryAfterMs)} ms`,
                verdict(storm.silenceOverRetryAfterMs >= 0 && storm.silenceOverRetryAfterMs < targets.stormSilenceOverRetryAfterMs),
              ],
              [
                "other workers after the probe's answer (median)",
                `${list(storm.releasedMs)} (${fixed(release)}) ms`,
                `<${targets.stormReleaseMs} ms`,
                verdict(release < targets.stormReleaseMs),
              ],
            ],
      ),
    );
    out.push('');
  }
  out.push(
    table(
      ['simulator page', 'contacts', 'pages', 'median ms', 'slowest ms', 'target'],
      result.pages.map((page) => {
        const close = page.label.startsWith('Close');
        const pass = close
          ? page.medianMs < targets.closeKeysetPageMedianMs && page.slowestMs < targets.closeKeysetPageSlowestMs
          : page.slowestMs < targets.virtuousKeysetPageSlowestMs;
        const target = close
          ? `median <${targets.closeKeysetPageMedianMs}, slowest <${targets.closeKeysetPageSlowestMs}`
          : `slowest <${targets.virtuousKeysetPageSlowestMs}`;
        return [page.label, thousands(page.contacts), page.pages, fixed(page.medianMs), fixed(page.slowestMs), `${target}: ${verdict(pass)}`];
      }),
    ),
  );
  out.push('');
  out.push(
    'A keyset page costs O(page + log n) in both simulators; a scan of the contacts would take hundreds of milliseconds (Close) or seconds (Virtuous).',
  );
  out.push('');
  return out;
}

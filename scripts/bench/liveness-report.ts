import { count, fixed, table, thousands, verdict } from './report.js';
import { TARGETS } from './targets.js';
import { median } from './timing.js';
import type { KillsRun, LivenessResult } from './liveness.js';

const firstLine = (text: string) => text.split('\n')[0]!;

export function renderLiveness(result: LivenessResult): string[] {
  const targets = TARGETS.liveness;
  const out: string[] = [];
  const { handover } = result;
  const shape = handover.shape;
  out.push(
    `### Liveness: a SIGKILLed worker's ranges handed on (silent in the fleet roster for ${thousands(result.presumedDeadAfterMs)} ms, beats every ${result.beatMs} ms)`,
  );
  out.push('');
  out.push(
    `${shape.workers} workers x ${shape.concurrency}, ${count(shape.contacts)} contacts in ${handover.plannedRanges} ranges (no split: a free slot waits for every handed-on range), pages of ${shape.pageSize} taking ${shape.latencyMs.join('–')} ms; the oldest worker holding a range is SIGKILLed and replaced, ${shape.trials} times. Time from the SIGKILL to the range's \`active\` event under another worker.`,
  );
  out.push('');
  const figures = handover.trials.flatMap((trial) => trial.ranges.flatMap((range) => (range.ms === undefined ? [] : [range.ms])));
  const lost = handover.trials.flatMap((trial) => trial.ranges.filter((range) => range.outcome === 'not active again'));
  out.push(
    table(
      ['kill', 'worker', 'ranges it held', 'ms to active elsewhere'],
      handover.trials.map((trial, index) => [
        index + 1,
        trial.victimPid,
        trial.ranges.map((range) => range.jobId.slice(range.jobId.lastIndexOf('-') + 1)).join(', '),
        trial.ranges.map((range) => (range.ms === undefined ? range.outcome : thousands(range.ms))).join(', '),
      ]),
    ),
  );
  out.push('');
  const middle = median(figures);
  const pass = figures.length > 0 && lost.length === 0 && !handover.error && middle <= targets.handoverMedianMs;
  out.push(
    table(
      ['ranges handed on', 'median ms', 'max ms', '"handed on" job log lines', `target median ≤${thousands(targets.handoverMedianMs)} ms`],
      [
        [
          `${figures.length}${lost.length > 0 ? ` (${lost.length} not active again within 30 s)` : ''}`,
          figures.length > 0 ? thousands(middle) : 'n/a',
          figures.length > 0 ? thousands(Math.max(...figures)) : 'n/a',
          handover.handedOnLines,
          handover.error ? `ERROR ${firstLine(handover.error)}` : verdict(pass),
        ],
      ],
    ),
  );
  out.push('');

  const kills = result.kills.shape;
  const without = result.kills.without;
  const withKills = result.kills.with;
  out.push(
    `### Liveness: the worker-kills export, ${count(kills.contacts)} contacts, ${kills.workers} workers x ${kills.concurrency}, pages of ${kills.pageSize} taking ${kills.latencyMs.join('–')} ms, parts of ${kills.partRows} rows; the oldest worker SIGKILLed and replaced every ${kills.killEveryMs / 1000} s from the first part on`,
  );
  out.push('');
  const ratio = without && withKills ? withKills.wallSeconds / without.wallSeconds : NaN;
  const ratioPass = Number.isFinite(ratio) && ratio <= targets.killsWallRatio;
  const row = (label: string, run: KillsRun | undefined, judged: string) =>
    run
      ? [
          label,
          run.kills,
          fixed(run.wallSeconds),
          thousands(run.rowsServed),
          thousands(run.rowsExported),
          run.error ? `**no**: ${firstLine(run.error)}` : verdict(run.exact),
          run.ranges,
          run.handedOnLines,
          judged,
        ]
      : [label, '', '', '', '', 'not run', '', '', judged];
  out.push(
    table(
      [
        'run',
        'kills',
        's, start to commit',
        'rows the API served',
        'rows exported',
        'exact',
        'ranges',
        '"handed on" lines',
        `ratio (target ≤${targets.killsWallRatio})`,
      ],
      [
        row('without kills', without, ''),
        row('with kills', withKills, `${fixed(ratio, 2)}: ${verdict(ratioPass && !!without?.exact && !!withKills?.exact)}`),
      ],
    ),
  );
  out.push('');
  out.push(
    "Rows exported are the manifest's, checked against the simulator's contacts (archived included, as `start` exports them); rows served above them are pages read again after a kill (at most the part each range was filling) and planning's probes. test/integration/worker-kills.test.ts checks every id of the same scenario.",
  );
  out.push('');
  return out;
}

// Writes test/support/file-durations.json from a vitest JSON report: how long each test file took, which
// the suite's sequencer (test/support/long-files-first-sequencer.ts) starts longest first. A fresh clone
// has no vitest cache of durations, and a file's size says little about how long it waits on the processes
// it starts. Refresh it when files are added or change much:
//   npx vitest run --reporter=json --outputFile=.tmp/vitest-report.json && node scripts/test-durations.mjs .tmp/vitest-report.json
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const [reportPath] = process.argv.slice(2);
if (!reportPath) {
  console.error('usage: node scripts/test-durations.mjs VITEST_JSON_REPORT');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const durations = Object.fromEntries(
  report.testResults
    .map((file) => [relative(root, file.name), Math.round((file.endTime - file.startTime) / 100) / 10])
    .sort(([a, da], [b, db]) => db - da || (a < b ? -1 : 1)),
);
writeFileSync(new URL('../test/support/file-durations.json', import.meta.url), `${JSON.stringify(durations, null, 2)}\n`);
console.log(`test/support/file-durations.json: ${Object.keys(durations).length} files`);

// The checks `npm test` makes before the tests, side by side (each uses about one core; the formatting
// check alone takes most of their time): the type check, the formatting check and the import-cycle check.
// Each one's output is shown when it failed; the exit code is 1 when any did.
import { spawn } from 'node:child_process';

const CHECKS = [
  ['type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['formatting', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']],
  ['import cycles', 'npx', ['dpdm', '--no-warning', '--no-tree', '--exit-code', 'circular:1', 'src/**/*.ts', 'simulators/**/*.ts']],
];

function run([name, command, args]) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ name, code: 1, output: `${output}${error.message}\n` }));
    child.on('close', (code) => resolve({ name, code: code ?? 1, output }));
  });
}

const results = await Promise.all(CHECKS.map(run));
for (const { name, code, output } of results) process.stdout.write(code === 0 ? `ok: ${name}\n` : `FAILED: ${name}\n${output}`);
process.exitCode = results.every((result) => result.code === 0) ? 0 : 1;

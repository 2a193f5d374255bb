// Compiles src/ into dist/ (`--if-stale`: only when a source changed since the last build). The new build
// is written aside and swapped in, so a process starting meanwhile never reads a half-written file: it
// finds either a complete dist/ or none, and then runs the sources through tsx (where tsx is installed).
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compiledDirectory, isCompiledCliFresh, projectRoot, sourceDirectory } from '../bin/compiled-cli.js';

const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', projectRoot));
// `npm ci` runs this as `prepare`, also where there is nothing to build (a production install without
// the TypeScript compiler, or before the sources are copied in); the CLI then runs from the sources.
if (!existsSync(sourceDirectory)) process.exit(0);
if (!existsSync(tsc)) {
  console.warn(
    'build: the TypeScript compiler is not installed; nothing to build (bin/bulk-export.js runs dist/, or the sources where tsx is installed).',
  );
  process.exit(0);
}
if (process.argv.includes('--if-stale') && isCompiledCliFresh()) process.exit(0);

const root = fileURLToPath(projectRoot);
const target = fileURLToPath(compiledDirectory);
const staging = fileURLToPath(new URL(`.tmp/dist-${process.pid}/`, projectRoot));
const retired = fileURLToPath(new URL(`.tmp/dist-retired-${process.pid}/`, projectRoot));
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', staging], { cwd: root, stdio: 'inherit' });
  if (existsSync(target)) renameSync(target, retired);
  renameSync(staging, target);
} finally {
  rmSync(staging, { recursive: true, force: true });
  rmSync(retired, { recursive: true, force: true });
}

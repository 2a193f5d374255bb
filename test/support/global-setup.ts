import { execFileSync } from 'node:child_process';

/** Tests spawn the CLI as users run it: compiled. Rebuilds dist/ first when a source changed. */
export default function buildCompiledCli(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
}

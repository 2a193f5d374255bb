import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url));

/** Tests spawn the CLI as users run it: compiled. Rebuilds dist/ first when a source changed. */
export default function buildCompiledCli(): void {
  execFileSync(process.execPath, [BUILD_SCRIPT, '--if-stale'], { stdio: 'inherit' });
}

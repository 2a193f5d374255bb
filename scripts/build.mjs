// Compiles src/ into dist/ (`--if-stale`: only when a source changed since the last build), then bundles the
// CLI into dist/bundle/ (see bundleCli). The new build is written aside and swapped in, so a process starting
// meanwhile never reads a half-written file: it finds either a complete dist/ or none, and then runs the
// sources through tsx (where tsx is installed).
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUNDLE_FOLDER, compiledDirectory, isCompiledCliFresh, projectRoot, sourceDirectory } from '../bin/compiled-cli.js';

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
  await bundleCli(staging);
  if (existsSync(target)) renameSync(target, retired);
  renameSync(staging, target);
} finally {
  rmSync(staging, { recursive: true, force: true });
  rmSync(retired, { recursive: true, force: true });
}

/**
 * The CLI as a few files instead of some 1,500 modules: every command and worker process loads the AWS SDK,
 * Apache Arrow and the exporter, and Node's module loader spends most of a process's start on finding and
 * compiling them one by one (a worker is ready in about two thirds of the time, `--version` in about half).
 * Each command's code stays in its own chunk, loaded only when it runs. The packages that find files of
 * their own beside their code (parquet-wasm's WebAssembly, Bull Board's pages, pino's transports, the native
 * part of msgpackr, which BullMQ's msgpackr uses when it is there) stay in node_modules. BullMQ and ioredis
 * are bundled: loaded from node_modules they are some 300 CommonJS modules, a fifth of a command's CPU.
 * The chunks sit two folders below package.json, as src/cli/main.ts does, and the Parquet encoding thread
 * is an entry of its own beside them, where its client looks for it.
 */
async function bundleCli(compiled) {
  // A development dependency, as the TypeScript compiler is: where one is installed, so is the other.
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: {
      main: `${compiled}/cli/main.js`,
      'parquet-encoding-thread': `${compiled}/sinks/encoding/parquet-encoding-thread.js`,
    },
    outdir: `${compiled}/${BUNDLE_FOLDER}`,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'bundle',
    external: ['parquet-wasm', 'pino', 'pino-pretty', '@bull-board/*', 'express', 'msgpackr-extract'],
    // Bundled CommonJS packages call require() for Node's own modules.
    banner: { js: "import { createRequire as createBundleRequire } from 'node:module'; const require = createBundleRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

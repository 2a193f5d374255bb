#!/usr/bin/env node
// Runs the compiled CLI (dist/, written by `npm run build`, which `npm ci` runs) when it is at least as
// new as every source file; otherwise the TypeScript sources through tsx, so an edit never runs stale.
// Compiled, a worker starts in half the time and uses ~50 MB less memory than under tsx.
import { compiledMain, isCompiledCliFresh, sourceDirectory } from './compiled-cli.js';

if (process.env.BULK_EXPORT_FROM_SOURCE !== '1' && isCompiledCliFresh()) {
  await import(compiledMain.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('cli/main.ts', sourceDirectory).href);
}

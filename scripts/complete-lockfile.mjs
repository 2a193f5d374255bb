#!/usr/bin/env node
// Our registry mirror serves only the linux-x64 builds of packages with per-platform optional binaries
// (@duckdb/node-bindings-*, @msgpackr-extract/*), so `npm install` leaves the others out of
// package-lock.json, and then `npm ci` refuses the lock everywhere ("Missing: ... from lock file").
// This adds the missing optional entries, with the os/cpu their names state, so npm ci skips them
// on other platforms and fetches them by name where they apply. Run after changing dependencies.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    const nested = `${path}/node_modules/${name}`;
    if (packages[key] || packages[nested]) continue;
    const platform = /-(darwin|linux|win32|freebsd)-(x64|arm64|arm|ia32)(-(musl|gnu))?$/.exec(name);
    if (!platform || !/^\d+\.\d+\.\d+/.test(spec)) {
      console.error(`cannot complete ${name}@${spec} (needed by ${path || 'the root'}): add it by hand`);
      process.exitCode = 1;
      continue;
    }
    packages[key] = {
      version: spec,
      cpu: [platform[2]],
      optional: true,
      os: [platform[1]],
      ...(platform[4] ? { libc: [platform[4] === 'gnu' ? 'glibc' : platform[4]] } : {}),
    };
    added += 1;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} optional platform entries to package-lock.json`);

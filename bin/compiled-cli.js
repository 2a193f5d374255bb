// Where the compiled CLI lives and whether it is current; shared by the launcher and scripts/build.mjs.
import { existsSync, readdirSync, statSync } from 'node:fs';

export const projectRoot = new URL('../', import.meta.url);
export const compiledDirectory = new URL('dist/', projectRoot);
/** The CLI as scripts/build.mjs bundles it, two folders below package.json as src/cli/main.ts is. */
export const BUNDLE_FOLDER = 'bundle';
export const compiledMain = new URL(`${BUNDLE_FOLDER}/main.js`, compiledDirectory);
export const sourceDirectory = new URL('src/', projectRoot);

/**
 * True when dist/ exists and was written after the last change to any file or folder under src/, or when
 * there is no src/ to be stale against (an install that ships dist/ alone, such as the container image).
 */
export function isCompiledCliFresh() {
  if (!existsSync(compiledMain)) return false;
  if (!existsSync(sourceDirectory)) return true;
  return newestModification(sourceDirectory) <= statSync(compiledMain).mtimeMs;
}

function newestModification(directory) {
  let newest = statSync(directory).mtimeMs;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? '/' : ''), directory);
    newest = Math.max(newest, entry.isDirectory() ? newestModification(path) : statSync(path).mtimeMs);
  }
  return newest;
}

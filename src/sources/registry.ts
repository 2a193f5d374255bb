import { InvalidInputError } from '../errors/index.js';
import { closeDefinition } from './close/close-definition.js';
import type { SourceDefinition } from './source-definition.js';
import { virtuousDefinition } from './virtuous/virtuous-definition.js';

/** Every source the exporter reads, in the order the CLI lists them. Adding a source is one line here. */
export const SOURCE_DEFINITIONS: readonly SourceDefinition[] = [virtuousDefinition, closeDefinition];

/** The names `--source` accepts. */
export function sourceNames(): string[] {
  return SOURCE_DEFINITIONS.map((definition) => definition.name);
}

/** The definition of `name`, or an InvalidInputError (exit 2) listing the sources there are. */
export function sourceDefinition(name: string): SourceDefinition {
  const definition = SOURCE_DEFINITIONS.find((candidate) => candidate.name === name);
  if (!definition) throw new InvalidInputError(`Unknown --source "${name}": use one of ${sourceNames().join(', ')}.`);
  return definition;
}

import { readEnvironment } from '../../config/environment.js';
import { sourceConnection } from '../../sources/create-source.js';
import { sourceDefinition } from '../../sources/registry.js';
import { formatTable } from '../text-table.js';

/** `bulk-export options --source NAME`: what the source's API offers for the source's own options. */
export async function optionsCommand(options: { source: string; json?: boolean }): Promise<void> {
  const definition = sourceDefinition(options.source);
  const listing = await definition.listOptions(sourceConnection(definition, readEnvironment().variables));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(listing.json, null, 2)}\n`);
    return;
  }
  const blocks = listing.tables.map((table) => [...(table.title ? [table.title] : []), formatTable(table.header, table.rows)].join('\n'));
  process.stdout.write(`${[...blocks, listing.notes.join('\n')].join('\n\n')}\n`);
}

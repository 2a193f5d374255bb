import { readAccountCredential } from '../../accounts/account-credentials.js';
import { DEFAULT_ACCOUNT } from '../../accounts/account-name.js';
import { readEnvironment } from '../../config/environment.js';
import { sourceConnection } from '../../sources/create-source.js';
import { recordTypeOf, sourceDefinition } from '../../sources/registry.js';
import { formatTable } from '../text-table.js';

/** `bulk-export options --source NAME [--records TYPE] [--account NAME]`: what the account's API offers for the source's own options. */
export async function optionsCommand(options: { source: string; records?: string; account?: string; json?: boolean }): Promise<void> {
  const definition = sourceDefinition(options.source);
  const records = recordTypeOf(definition, options.records);
  const variables = readEnvironment().variables;
  const { secret } = readAccountCredential(definition, options.account ?? DEFAULT_ACCOUNT, variables);
  const listing = await definition.listOptions(sourceConnection(definition, variables, { secret }), records);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(listing.json, null, 2)}\n`);
    return;
  }
  const blocks = listing.tables.map((table) => [...(table.title ? [table.title] : []), formatTable(table.header, table.rows)].join('\n'));
  process.stdout.write(`${[...blocks, listing.notes.join('\n')].join('\n\n')}\n`);
}

import type { Command } from 'commander';
import { sourceNames } from '../sources/registry.js';
import { lazyAction } from './lazy-action.js';
import { accountOption } from './option-parsers.js';

/** `credentials set|delete|list|new-key`: credentials applications hand over for their accounts (docs/accounts.md). */
export function registerCredentialCommands(program: Command): void {
  const credentials = program
    .command('credentials')
    .description('credentials handed over for accounts, kept in Redis sealed with CREDENTIALS_KEY (docs/accounts.md)');
  credentials
    .command('set')
    .description("hand over or replace an account's credential, read from standard input; running exports take it at their next read")
    .requiredOption('--source <name>', sourceNames().join(' or '))
    .addOption(accountOption('the organization the credential belongs to'))
    .action(lazyAction(async () => (await import('./commands/credentials-commands.js')).credentialsSetCommand));
  credentials
    .command('delete')
    .description("forget an account's handed-over credential, whoever holds it")
    .requiredOption('--source <name>', sourceNames().join(' or '))
    .addOption(accountOption('the organization the credential belongs to'))
    .action(lazyAction(async () => (await import('./commands/credentials-commands.js')).credentialsDeleteCommand));
  credentials
    .command('list')
    .description('the handed-over credentials: account, sealing key, when set, held by (never the credential)')
    .addOption(accountOption("only this account's", 'filter'))
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('./commands/credentials-commands.js')).credentialsListCommand));
  credentials
    .command('new-key')
    .description('print a new CREDENTIALS_KEY entry (<id>:<32 random bytes, base64>) to put first in CREDENTIALS_KEY')
    .requiredOption('--id <id>', 'the key id: 1 to 32 letters, digits, "_" or "-" (a date works: 2026-12)')
    .action(lazyAction(async () => (await import('./commands/credentials-commands.js')).credentialsNewKeyCommand));
}

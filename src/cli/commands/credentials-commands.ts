import { DEFAULT_ACCOUNT } from '../../accounts/account-name.js';
import { generateCredentialKey } from '../../accounts/credential-keyring.js';
import { InvalidInputError } from '../../errors/index.js';
import { credentialFromStandardInput } from '../credential-handover.js';
import { formatTable } from '../text-table.js';
import { withExporter } from '../with-exporter.js';

interface AccountOptions {
  source: string;
  account?: string;
}

/**
 * `bulk-export credentials set --source NAME --account NAME`: hands over (or replaces) an account's credential,
 * read from standard input. Exports of the account that are running take it at their next read (a range's
 * start, or a 401); nothing is checked against the API, as the application may set a token before it is valid.
 */
export async function credentialsSetCommand(options: AccountOptions): Promise<void> {
  const account = options.account ?? DEFAULT_ACCOUNT;
  const handover = await credentialFromStandardInput(true);
  if (!handover || handover.credential.trim() === '') throw new InvalidInputError('The credential on standard input is empty.');
  await withExporter('credentials', async (exporter) => {
    const { holders } = await exporter.setCredential({ source: options.source, account, credential: handover.credential });
    process.stdout.write(
      `credential of ${options.source} account ${account} handed over (sealed); ` +
        (holders.length > 0
          ? `held by ${holders.join(', ')}\n`
          : 'nothing holds it yet: it is kept for an hour for an export or schedule of the account to take\n'),
    );
  });
}

/** `bulk-export credentials delete --source NAME --account NAME`: forgets a handed-over credential, whoever holds it. */
export async function credentialsDeleteCommand(options: AccountOptions): Promise<void> {
  const account = options.account ?? DEFAULT_ACCOUNT;
  await withExporter('credentials', async (exporter) => {
    if (!(await exporter.deleteCredential({ source: options.source, account }))) {
      throw new InvalidInputError(`No credential is handed over for the ${options.source} account "${account}" (see: bulk-export credentials list).`);
    }
    process.stdout.write(`credential of ${options.source} account ${account} deleted; its exports now read CREDENTIALS_DIR or the environment\n`);
  });
}

/** `bulk-export credentials list [--account NAME] [--json]`: the handed-over credentials, never their values. */
export async function credentialsListCommand(options: { account?: string; json?: boolean }): Promise<void> {
  await withExporter('credentials', async (exporter) => {
    const listings = await exporter.credentials(options.account === undefined ? {} : { account: options.account });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(listings, null, 2)}\n`);
      return;
    }
    const rows = listings.map((listing) => [
      listing.source,
      listing.account,
      listing.keyId ?? '?',
      listing.setAt ?? '?',
      listing.holders.length > 0 ? listing.holders.join(' ') : `none (expires in ${Math.ceil((listing.expiresInMs ?? 0) / 60_000)} min)`,
    ]);
    process.stdout.write(`${formatTable(['SOURCE', 'ACCOUNT', 'KEY', 'SET AT', 'HELD BY'], rows)}\n`);
  });
}

/** `bulk-export credentials new-key --id ID`: a fresh CREDENTIALS_KEY entry to put first in the variable. */
export function credentialsNewKeyCommand(options: { id: string }): void {
  process.stdout.write(`${generateCredentialKey(options.id)}\n`);
}

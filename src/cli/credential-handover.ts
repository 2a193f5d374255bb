import { InvalidInputError } from '../errors/index.js';
import type { CredentialHandover } from '../queue/operations/start-export.js';

/**
 * `--credential-stdin`: the account's credential, read whole from standard input, so that it never appears in
 * a command line (`ps`, shell history) or an environment another process can read. Undefined without the flag.
 */
export async function credentialFromStandardInput(given: boolean | undefined): Promise<CredentialHandover | undefined> {
  if (!given) return undefined;
  if (process.stdin.isTTY) {
    throw new InvalidInputError(
      '--credential-stdin reads the credential from standard input: pipe it in (for example: printenv ACME_TOKEN | bulk-export ...).',
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing line break, as `echo` and `printenv` leave, is not part of the credential.
  return {
    credential: Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, ''),
  };
}

import { baseUrlFrom, requireVariable, sourceRequestSettings } from '../config/environment.js';
import { BulkExportError } from '../errors/index.js';
import { secretScrubber } from '../logging/secret-scrubber.js';
import type { SourceSpec } from './source-spec.js';
import type { RequestBudget } from '../ratelimit/request-budget.js';
import { findAccountCredential, type AccountCredential } from '../accounts/account-credentials.js';
import type { HandedCredentials } from '../accounts/handed-credentials.js';
import { accountOf } from '../accounts/account-name.js';
import { credentialFingerprint } from './credential-fingerprint.js';
import type { ExportSource } from './export-source.js';
import type { RecordSchema } from '../sinks/record-schema.js';
import type { SourceHttpClientOptions } from './http/source-http-client.js';
import { describeRetry, type SourceRetry } from './http/source-retry.js';
import { recordTypeOf, sourceDefinition } from './registry.js';
import type { SourceConnection, SourceDefinition } from './source-definition.js';

export interface SourceRuntime {
  variables: NodeJS.ProcessEnv;
  /** Credentials applications handed over for their accounts (Redis); without it, only CREDENTIALS_DIR and the environment. */
  handed?: HandedCredentials;
  /** A credential handed over with the request that is being planned, not stored yet: used instead of looking. */
  credential?: string;
  budget?: RequestBudget;
  /**
   * Told before every new try of a failed request. Default: one line on stderr (`describeRetry`), so that
   * an operator running `start` against an API that does not answer sees it at once.
   */
  onRetry?: SourceHttpClientOptions['onRetry'];
  /** Ask for each row's bytes as received, where the source can give them (NDJSON parts are then those bytes). */
  rawRows?: boolean;
}

/**
 * Builds the reader an export spec describes, with the account's credential as this process finds it now
 * (handed over, CREDENTIALS_DIR or the environment: src/accounts/account-credentials.ts), the request timeout and the tries (SOURCE_REQUEST_TIMEOUT_MS,
 * SOURCE_REQUEST_ATTEMPTS) from this process's environment. On a 401 the reader reads the credential again
 * and, if it changed (replaced or rotated), tries once more with it before the refusal stands. A `default`
 * credential from the environment that is not the one the export was planned with is refused: the
 * environment does not change while a worker runs, so the fleet was given different credentials.
 */
export async function createSource(spec: SourceSpec, runtime: SourceRuntime): Promise<ExportSource> {
  const definition = sourceDefinition(spec.kind);
  const account = accountOf(spec);
  const find = () => findAccountCredential(definition, account, runtime.variables, runtime.handed);
  const credential: AccountCredential =
    runtime.credential !== undefined ? { secret: runtime.credential, from: 'handed over', origin: 'handed-over' } : await find();
  if (credential.origin === 'variable' && credentialFingerprint(credential.secret) !== spec.credentialFingerprint) {
    throw new BulkExportError(
      'CREDENTIAL_MISMATCH',
      `This worker's ${spec.credentialVariable} is not the credential the export was started with; ` +
        `give every worker the same ${spec.credentialVariable} as the machine that ran "start".`,
    );
  }
  const connection = sourceConnection(definition, runtime.variables, {
    baseUrl: spec.baseUrl,
    secret: credential.secret,
    // Read again, for an answer 401: a credential replaced or rotated in its file is taken up without a restart.
    rereadSecret: credential.origin === 'variable' ? undefined : async () => (await find()).secret,
    budget: runtime.budget,
    onRetry: runtime.onRetry,
  });
  return definition.create(connection, spec.settings, { rawRows: runtime.rawRows ?? false, records: recordTypeOf(definition, spec.records) });
}

/**
 * The record schema an export's spec describes, for a step that sends no request (the commit's manifest
 * columns): built from the spec alone, without the account's credential, so that a commit does not depend on
 * where the credential is kept, or on a handed-over one still being there.
 */
export function recordSchemaOf(spec: SourceSpec, variables: NodeJS.ProcessEnv): RecordSchema {
  const definition = sourceDefinition(spec.kind);
  const connection = sourceConnection(definition, variables, { baseUrl: spec.baseUrl, secret: '' });
  return definition.create(connection, spec.settings, { rawRows: false, records: recordTypeOf(definition, spec.records) }).schema;
}

/**
 * How this process reaches a source's API: the base URL and credential given (or read from the
 * definition's variables), the request timeout and tries of SOURCE_REQUEST_*, and the retry announcer.
 */
export function sourceConnection(
  definition: SourceDefinition,
  variables: NodeJS.ProcessEnv,
  given: Partial<Pick<SourceConnection, 'baseUrl' | 'secret' | 'rereadSecret' | 'budget' | 'onRetry'>> = {},
): SourceConnection {
  const requests = sourceRequestSettings(variables);
  return {
    baseUrl: given.baseUrl ?? baseUrlFrom(variables, definition.baseUrl.variable, definition.baseUrl.default),
    secret: given.secret ?? requireVariable(variables, definition.credential.variable, definition.credential.purpose),
    ...(given.rereadSecret ? { rereadSecret: given.rereadSecret } : {}),
    ...(given.budget ? { budget: given.budget } : {}),
    timeoutMs: requests.timeoutMs,
    maxAttempts: requests.attempts,
    onRetry: given.onRetry ?? retryLineOnStderr(variables),
  };
}

/** `<API> did not answer GET /api/Contact/QueryOptions within 60 s; retrying (2 of 8)` on stderr, secrets blanked. */
function retryLineOnStderr(variables: NodeJS.ProcessEnv): (retry: SourceRetry) => void {
  const scrub = secretScrubber(variables);
  return (retry) => {
    process.stderr.write(`${scrub(describeRetry(retry))}\n`);
  };
}

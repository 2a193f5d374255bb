import { BulkExportError } from '../errors/index.js';
import { requireVariable, sourceRequestSettings } from '../config/environment.js';
import { secretScrubber } from '../logging/secret-scrubber.js';
import type { SourceSpec } from '../queue/export-spec.js';
import type { RequestBudget } from '../ratelimit/request-budget.js';
import { CloseClient } from './close/close-client.js';
import { CloseSource } from './close/close-source.js';
import { credentialFingerprint } from './credential-fingerprint.js';
import type { ExportSource } from './export-source.js';
import type { SourceHttpClientOptions } from './http/source-http-client.js';
import { describeRetry, type SourceRetry } from './http/source-retry.js';
import { VirtuousClient } from './virtuous/virtuous-client.js';
import { VirtuousSource } from './virtuous/virtuous-source.js';

export interface SourceRuntime {
  variables: NodeJS.ProcessEnv;
  budget?: RequestBudget;
  /**
   * Told before every new try of a failed request. Default: one line on stderr (`describeRetry`), so that
   * an operator running `start` against an API that does not answer sees it at once.
   */
  onRetry?: SourceHttpClientOptions['onRetry'];
  /** Ask for each row's bytes as received, where the source can give them (NDJSON parts are then those bytes). */
  rawRows?: boolean;
}

const CREDENTIAL_PURPOSE: Record<SourceSpec['kind'], string> = {
  virtuous: 'the Virtuous API token workers use to read contacts',
  close: 'the Close API key workers use to read contacts',
};

/**
 * Builds the source an export spec describes, with the credential, the request timeout and the tries
 * (SOURCE_REQUEST_TIMEOUT_MS, SOURCE_REQUEST_ATTEMPTS) from this process's environment.
 */
export function createSource(spec: SourceSpec, runtime: SourceRuntime): ExportSource {
  const secret = requireVariable(runtime.variables, spec.credentialVariable, CREDENTIAL_PURPOSE[spec.kind]);
  if (credentialFingerprint(secret) !== spec.credentialFingerprint) {
    throw new BulkExportError(
      'CREDENTIAL_MISMATCH',
      `This worker's ${spec.credentialVariable} is not the credential the export was started with; ` +
        `give every worker the same ${spec.credentialVariable} as the machine that ran "start".`,
    );
  }
  const requests = sourceRequestSettings(runtime.variables);
  const http = {
    budget: runtime.budget,
    timeoutMs: requests.timeoutMs,
    maxAttempts: requests.attempts,
    onRetry: runtime.onRetry ?? retryLineOnStderr(runtime.variables),
  };
  if (spec.kind === 'close') {
    const client = new CloseClient({ baseUrl: spec.baseUrl, apiKey: secret, ...http });
    return new CloseSource(client, spec.settings, { rawRows: runtime.rawRows ?? false });
  }
  const client = new VirtuousClient({ baseUrl: spec.baseUrl, token: secret, ...http });
  return new VirtuousSource(client, spec.settings, { rawRows: runtime.rawRows ?? false });
}

/** `Virtuous did not answer GET /api/Contact/QueryOptions within 60 s; retrying (2 of 8)` on stderr, secrets blanked. */
function retryLineOnStderr(variables: NodeJS.ProcessEnv): (retry: SourceRetry) => void {
  const scrub = secretScrubber(variables);
  return (retry) => {
    process.stderr.write(`${scrub(describeRetry(retry))}\n`);
  };
}

import { BulkExportError } from '../errors/index.js';
import { requireVariable } from '../config/environment.js';
import type { SourceSpec } from '../queue/export-spec.js';
import type { RequestBudget } from '../ratelimit/request-budget.js';
import { credentialFingerprint } from './credential-fingerprint.js';
import type { ExportSource } from './export-source.js';
import type { SourceHttpClientOptions } from './http/source-http-client.js';
import { VirtuousClient } from './virtuous/virtuous-client.js';
import { VirtuousSource } from './virtuous/virtuous-source.js';

export interface SourceRuntime {
  variables: NodeJS.ProcessEnv;
  budget?: RequestBudget;
  onRetry?: SourceHttpClientOptions['onRetry'];
}

/** Builds the source an export spec describes, with the credential from this process's environment. */
export function createSource(spec: SourceSpec, runtime: SourceRuntime): ExportSource {
  const token = requireVariable(runtime.variables, spec.credentialVariable, 'the Virtuous API token workers use to read contacts');
  if (credentialFingerprint(token) !== spec.credentialFingerprint) {
    throw new BulkExportError(
      'CREDENTIAL_MISMATCH',
      `This worker's ${spec.credentialVariable} is not the credential the export was started with; ` +
        `give every worker the same ${spec.credentialVariable} as the machine that ran "start".`,
    );
  }
  const client = new VirtuousClient({ baseUrl: spec.baseUrl, token, budget: runtime.budget, onRetry: runtime.onRetry });
  return new VirtuousSource(client, spec.settings);
}

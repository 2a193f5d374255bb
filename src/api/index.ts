// The package's public surface (`import { BulkExporter } from 'crm-bulk-export'`): the client, the types of
// its options, requests and results, and the errors it throws. docs/api.md shows it in use.
export { BulkExporter } from './bulk-exporter.js';
export type { BulkExporterOptions } from './bulk-exporter-options.js';
export type { StartRequest, StartResult, SourceOptions, VirtuousOptions, CloseOptions } from './start-request.js';
export type { ScheduleRequest, ScheduleResult } from './schedule-request.js';
export type { CredentialRequest, CredentialTarget, SetCredentialResult } from './credential-request.js';
export type { ListOptions } from './list-options.js';
export type { AccountFilter, ResumeOptions, ResumeResult, RetryOptions, WaitOptions } from './method-options.js';
export type { ExportStatus, RangeFailure } from '../queue/export-status.js';
export type { RangeRetryNote } from '../queue/range-retry-notes.js';
export type { PlanEstimate } from '../queue/operations/plan-estimate.js';
export type { CancelOutcome } from '../queue/operations/cancel-export.js';
export type { RetryOutcome } from '../queue/operations/retry-ranges.js';
export type { RebuildOutcome } from '../queue/operations/rebuild-export.js';
export type { ListEntry } from '../queue/operations/list-exports.js';
export type { ScheduleListing, ScheduleState } from '../queue/schedules.js';
export type { HandedCredentialListing } from '../accounts/handed-credentials.js';
export {
  BulkExportError,
  InvalidInputError,
  InvalidConfigurationError,
  MissingConfigurationError,
  MissingCredentialError,
  CredentialKeyUnknownError,
  CredentialUnreadableError,
  RowCountMismatchError,
  SourceRequestError,
  SourceUnavailableError,
  PartsMissingError,
  RedisUnavailableError,
  RedisRefusedError,
  RedisOutageError,
  S3RequestError,
  type ErrorCode,
} from '../errors/index.js';

/**
 * The modules behind the exporter's methods, each loaded when a method first needs it: BullMQ, the AWS SDK
 * and the sources each cost a process a fifth of a second or more to load, and a CLI command (see
 * src/cli/lazy-action.ts) or an application calling one method needs only that method's.
 */
export const operationModules = {
  startExport: () => import('../queue/operations/start-export.js'),
  planEstimate: () => import('../queue/operations/plan-estimate.js'),
  exportStatus: () => import('../queue/export-status.js'),
  exportRegistry: () => import('../queue/export-registry.js'),
  listExports: () => import('../queue/operations/list-exports.js'),
  cancelExport: () => import('../queue/operations/cancel-export.js'),
  pauseExport: () => import('../queue/operations/pause-export.js'),
  rebuildExport: () => import('../queue/operations/rebuild-export.js'),
  retryRanges: () => import('../queue/operations/retry-ranges.js'),
  schedules: () => import('../queue/schedules.js'),
  validateSchedule: () => import('./validate-schedule-request.js'),
  s3Client: () => import('../sinks/s3/s3-client.js'),
};

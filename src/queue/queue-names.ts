/** Parent jobs: one per export; processed (committed) once every range is done. */
export const EXPORT_QUEUE = 'exports';
/** Child jobs: one per range. */
export const RANGE_QUEUE = 'export-ranges';
/** One BullMQ job scheduler per `bulk-export schedule`; each job starts one incremental export. */
export const SCHEDULE_QUEUE = 'schedules';
/** Completion notifications (`--notify URL`): one job per export and final state, tried until delivered or given up. */
export const NOTIFY_QUEUE = 'notifications';

import { BulkExporter } from '../api/bulk-exporter.js';
import type { BulkExporterOptions } from '../api/bulk-exporter-options.js';

/**
 * Runs a command on a BulkExporter of its own, always closed. Its Redis connection is named after the
 * command (`bulk-export:status`, ...), as `CLIENT LIST` shows it.
 */
export async function withExporter<T>(
  command: string,
  action: (exporter: BulkExporter) => Promise<T>,
  options: Omit<BulkExporterOptions, 'connectionName'> = {},
): Promise<T> {
  const exporter = new BulkExporter({ ...options, connectionName: `bulk-export:${command}` });
  try {
    return await action(exporter);
  } finally {
    await exporter.close();
  }
}

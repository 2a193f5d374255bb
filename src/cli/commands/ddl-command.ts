import { readEnvironment } from '../../config/environment.js';
import { InvalidInputError } from '../../errors/index.js';
import { ObjectStore } from '../../sinks/s3/object-store.js';
import { createS3Client } from '../../sinks/s3/s3-client.js';
import { parseS3Url } from '../../sinks/s3/s3-location.js';
import { ddlStatements, ddlTarget } from '../../warehouse/ddl-statements.js';

export interface DdlOptions {
  target: string;
  dest: string;
  table?: string;
  export?: string;
  name?: string;
}

/**
 * `bulk-export ddl --target ENGINE --dest s3://BUCKET/PREFIX [--table SOURCE/OBJECT] [--export ID] [--name NAME]`:
 * prints the statements that read the committed exports of a table (or one export) in that engine, and a
 * current-rows view. Statements go to stdout; load files it had to write are said on stderr and in the output.
 */
export async function ddlCommand(options: DdlOptions): Promise<void> {
  const target = ddlTarget(options.target);
  const destination = parseS3Url(options.dest);
  if (options.name !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,59}$/.test(options.name)) {
    throw new InvalidInputError(
      `--name must be a plain SQL name (letters, digits and _, at most 60, not starting with a digit), got "${options.name}".`,
    );
  }
  const environment = readEnvironment();
  const store = new ObjectStore(createS3Client(environment.s3), destination.bucket);
  const result = await ddlStatements(store, {
    target,
    destination,
    ...(options.table === undefined ? {} : { table: options.table }),
    ...(options.export === undefined ? {} : { exportId: options.export }),
    ...(options.name === undefined ? {} : { name: options.name }),
    s3: { region: environment.s3.region, endpoint: environment.s3.endpoint },
  });
  for (const url of result.wrote) process.stderr.write(`wrote ${url} (the export was committed without it)\n`);
  process.stdout.write(result.sql);
}

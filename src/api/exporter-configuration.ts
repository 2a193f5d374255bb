import { readEnvironment, type Environment } from '../config/environment.js';
import { loadSecretFiles } from '../config/secret-files.js';
import { SOURCE_DEFINITIONS } from '../sources/registry.js';

/**
 * The exporter's configuration, read once, as the CLI reads it at start-up: credentials given as files
 * (`<NAME>_FILE`) first, then every setting. `variables` given by the application are copied, not changed;
 * the AWS SDK reads its keys from the process environment only, so AWS keys found in them are handed to
 * the S3 client explicitly (without them, the SDK's default chain applies: environment, profile, role).
 */
export function readExporterConfiguration(variables: NodeJS.ProcessEnv | undefined): Environment {
  const own = variables === undefined ? process.env : { ...variables };
  loadSecretFiles(
    own,
    SOURCE_DEFINITIONS.map((definition) => definition.credential.variable),
  );
  const environment = readEnvironment(own);
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = own;
  if (variables === undefined || !accessKeyId || !secretAccessKey) return environment;
  const credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  return { ...environment, s3: { ...environment.s3, credentials } };
}

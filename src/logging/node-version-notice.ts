/**
 * The oldest Node line the exporter supports: Node 20 is past its end of life (2026-04-30), and the AWS
 * SDK's releases after the first week of January 2027 require Node 22.
 */
export const OLDEST_SUPPORTED_NODE_MAJOR = 22;

/** The AWS SDK's documented switch for its own Node-version notice (`NodeVersionSupportWarning`). */
export const SDK_NODE_NOTICE_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/**
 * One line saying that this Node is no longer supported, or undefined on Node 22 or later. `version` is
 * spelled as `process.version` spells it (`v20.20.2`).
 */
export function nodeVersionNotice(version: string): string | undefined {
  const major = Number.parseInt(version.replace(/^v/, ''), 10);
  if (!Number.isInteger(major) || major >= OLDEST_SUPPORTED_NODE_MAJOR) return undefined;
  return (
    `Node ${version} is past its end of life: Node ${OLDEST_SUPPORTED_NODE_MAJOR} or later is required, and the AWS SDK's ` +
    `releases after the first week of January 2027 drop Node ${major}; this run goes on`
  );
}

/**
 * On a Node older than OLDEST_SUPPORTED_NODE_MAJOR: returns the one-line notice for the caller to show once,
 * and switches off the AWS SDK's own notice in `variables` (the SDK reads its switch from the environment
 * when it makes a client), which is eight lines of free text on stderr from every process that makes an S3
 * client. On a supported Node: undefined, and `variables` stays as it is.
 */
export function takeOverNodeVersionNotice(version: string, variables: NodeJS.ProcessEnv): string | undefined {
  const notice = nodeVersionNotice(version);
  if (notice !== undefined) variables[SDK_NODE_NOTICE_SWITCH] = 'true';
  return notice;
}

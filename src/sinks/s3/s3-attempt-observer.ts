import type { S3RequestTarget } from '../../errors/index.js';
import { describeS3Failure, isTransientS3Failure } from './s3-failure.js';

/** What the SDK hands a deserialize-step middleware: the HTTP request about to be sent. */
interface SentRequest {
  request?: { protocol?: string; hostname?: string; port?: number };
}

type Next = (args: SentRequest) => Promise<unknown>;

/** The part of a command's middleware stack this observer uses. */
interface ObservableCommand {
  middlewareStack: {
    add(middleware: (next: Next) => (args: SentRequest) => Promise<unknown>, options: { step: 'deserialize'; priority: 'high'; name: string }): void;
  };
}

/**
 * Watches every attempt of one S3 command from inside the SDK's retry loop: records the endpoint each
 * request goes to (into `target`, for messages) and reports each attempt that failed transiently,
 * including the ones the SDK then retries on its own and would otherwise leave unseen (a timeout, a 503).
 */
export class AttemptObserver {
  /** Attempts made by the watched command so far. */
  private attempts = 0;

  constructor(
    private readonly target: S3RequestTarget,
    private readonly onFailedAttempt: (failure: { problem: string; attempt: number }) => void,
  ) {}

  /** Adds the observer to `command` and returns the command. */
  readonly watch = <C>(command: C): C => {
    (command as unknown as ObservableCommand).middlewareStack.add(
      (next) => async (args) => {
        const endpoint = endpointOf(args.request);
        if (endpoint) this.target.endpoint = endpoint;
        this.attempts += 1;
        try {
          return await next(args);
        } catch (error) {
          // Refusals (404, 403) are not retried and reach the caller as they are; aborts are the caller's own doing.
          if (isTransientS3Failure(error)) this.onFailedAttempt({ problem: describeS3Failure(error).problem, attempt: this.attempts });
          throw error;
        }
      },
      // Deserialize is the innermost step, inside the retry middleware (finalizeRequest): it runs per attempt.
      { step: 'deserialize', priority: 'high', name: 'bulkExportAttemptObserver' },
    );
    return command;
  };
}

/** `http://127.0.0.1:9000`: where the request went, without path, query or credentials. */
function endpointOf(request: SentRequest['request']): string | undefined {
  if (!request?.hostname) return undefined;
  const port = request.port ? `:${request.port}` : '';
  return `${request.protocol ?? 'https:'}//${request.hostname}${port}`;
}

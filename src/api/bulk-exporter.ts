import type { Redis } from 'ioredis';
import { DEFAULT_ACCOUNT } from '../accounts/account-name.js';
import { HandedCredentials, type HandedCredentialListing } from '../accounts/handed-credentials.js';
import { FORGOTTEN_EXPORTS_HINT, type Environment } from '../config/environment.js';
import { BulkExportError, InvalidInputError, RedisOutageError } from '../errors/index.js';
import { loggerFor, type Logger } from '../logging/logger.js';
import { redactError } from '../logging/redact-error.js';
import { REDACTED, secretScrubber } from '../logging/secret-scrubber.js';
import type { ExportStatus } from '../queue/export-status.js';
import type { CancelOutcome } from '../queue/operations/cancel-export.js';
import type { ListEntry } from '../queue/operations/list-exports.js';
import type { PlanEstimate } from '../queue/operations/plan-estimate.js';
import type { RetryOutcome } from '../queue/operations/retry-ranges.js';
import type { StartExportDependencies } from '../queue/operations/start-export.js';
import { createCommandConnection, createRedisConnection, redisAccessError } from '../queue/redis-connection.js';
import type { ScheduleListing } from '../queue/schedules.js';
import { parseS3Url } from '../sinks/s3/s3-location.js';
import { sourceDefinition } from '../sources/registry.js';
import type { BulkExporterOptions } from './bulk-exporter-options.js';
import {
  validateCredentialRequest,
  validateCredentialTarget,
  type CredentialRequest,
  type CredentialTarget,
  type SetCredentialResult,
} from './credential-request.js';
import { readExporterConfiguration } from './exporter-configuration.js';
import { validateListOptions, type ListOptions } from './list-options.js';
import type { AccountFilter, ResumeOptions, ResumeResult, RetryOptions, WaitOptions } from './method-options.js';
import { operationModules as operations } from './operation-modules.js';
import type { ScheduleRequest, ScheduleResult } from './schedule-request.js';
import { startResultOf, type StartRequest, type StartResult } from './start-request.js';
import { checkExportId, checkOptionalAccount } from './validate-names.js';
import { validateStartRequest } from './validate-start-request.js';
import { checkOptionalString, checkRecord, checkRequiredString, checkWholeNumber } from './validate-values.js';

/**
 * The exporter as a library: what the CLI does (docs/api.md), for an application that starts and schedules
 * exports for its customers' accounts. The exports themselves run on the workers (`bulk-export worker`)
 * that share its Redis, queue prefix, S3 and CREDENTIALS_KEY.
 *
 * Every method checks its input as the CLI checks its flags: bad input is an InvalidInputError (code
 * INVALID_INPUT) before anything is read or written. Every failure is a BulkExportError whose `code` is the
 * CLI's (ERROR_CODES), with no credential in its message. One Redis connection serves every call (made again
 * if Redis dropped it for good); `wait` opens its own for as long as it waits. `close()` releases them.
 */
export class BulkExporter {
  private readonly environment: Environment;
  private readonly logger: Logger;
  private readonly notice: (line: string) => void;
  private readonly connectionName: string;
  private readonly scrub: (text: string) => string;
  private redis: Redis | undefined;
  /** The connection's latest error: it says more than a command's "max retries" does. */
  private connectionError: Error | undefined;
  private readonly closing = new AbortController();
  private readonly waits = new Set<Promise<unknown>>();

  constructor(options: BulkExporterOptions = {}) {
    const { variables, logger, onNotice, connectionName } = checkRecord(options, 'The BulkExporter options') as BulkExporterOptions;
    this.environment = readExporterConfiguration(variables);
    this.logger = logger ?? loggerFor(this.environment, 'bulk-export');
    this.notice = onNotice ?? ((line) => this.logger.info(line));
    this.connectionName = connectionName ?? 'bulk-export:api';
    this.scrub = secretScrubber(this.environment.variables);
  }

  /**
   * Checks everything (the request, the account's credential against the API, Redis, the bucket), plans the
   * export's ranges and enqueues it; nothing is enqueued unless all of it passes. `start --json`'s result.
   */
  async start(request: StartRequest): Promise<StartResult> {
    return this.run(async () => {
      const { request: checked, handover } = validateStartRequest(request);
      const { startExport } = await operations.startExport();
      return startResultOf(await this.withRedis((redis) => startExport(checked, this.dependencies(redis), handover)));
    }, request);
  }

  /** `start --dry-run`: checks and plans as `start` does, and says what the export would take; enqueues and writes nothing. */
  async preview(request: StartRequest): Promise<PlanEstimate> {
    return this.run(async () => {
      const { request: checked, handover } = validateStartRequest(request);
      const [{ previewExport }, { estimatePlan }] = await Promise.all([operations.startExport(), operations.planEstimate()]);
      return this.withRedis(async (redis) =>
        estimatePlan(await previewExport(checked, this.dependencies(redis), handover), redis, this.environment.queuePrefix),
      );
    }, request);
  }

  /** Where an export stands (`status --json`); an id Redis does not know is an InvalidInputError. */
  async status(exportId: string): Promise<ExportStatus> {
    return this.run(async () => {
      const id = checkExportId(exportId);
      const { readExportStatus } = await operations.exportStatus();
      const status = await this.withRedis((redis) => readExportStatus(redis, this.environment.queuePrefix, id));
      if (!status) throw new InvalidInputError(`No export "${id}" is known to the Redis at REDIS_URL (${FORGOTTEN_EXPORTS_HINT}).`);
      return status;
    });
  }

  /**
   * Resolves with the export's status once it committed. Rejects as `start --wait` fails: EXPORT_FAILED when
   * the export failed, was cancelled or a range of it failed for good; REDIS_OUTAGE when Redis stayed away
   * longer than REDIS_OUTAGE_GIVE_UP_MS (the export goes on). Aborting `signal` (or `close()`) rejects with
   * its reason.
   */
  async wait(exportId: string, options: WaitOptions = {}): Promise<ExportStatus> {
    const waiting = this.run(async () => {
      const id = checkExportId(exportId);
      const { signal: given } = checkRecord(options, 'The wait options') as WaitOptions;
      const signal = given ? AbortSignal.any([given, this.closing.signal]) : this.closing.signal;
      signal.throwIfAborted();
      const { waitForExport } = await operations.exportStatus();
      const { redis: target, queuePrefix, redisOutageGiveUpMs } = this.environment;
      const connection = createRedisConnection(target, `${this.connectionName}:wait`);
      const outage = { giveUpAfterMs: redisOutageGiveUpMs, redisLabel: target.label, notify: (line: string) => this.notice(this.scrub(line)) };
      try {
        return await waitForExport(target, queuePrefix, connection, id, outage, signal);
      } catch (error) {
        if ((signal.aborted && error === signal.reason) || error instanceof RedisOutageError) throw error;
        throw new BulkExportError('EXPORT_FAILED', `export ${id} failed: ${(error as Error).message}`, { cause: error });
      } finally {
        connection.disconnect();
      }
    });
    this.waits.add(waiting);
    try {
      return await waiting;
    } finally {
      this.waits.delete(waiting);
    }
  }

  /** Stops every range before its next request; no `_SUCCESS` is written. Parts already on S3 stay. */
  async cancel(exportId: string): Promise<CancelOutcome> {
    return this.run(async () => {
      const id = checkExportId(exportId);
      const { cancelExport } = await operations.cancelExport();
      return this.withRedis((redis) => cancelExport(redis, this.environment.queuePrefix, id));
    });
  }

  /** Parks the export's ranges after their current page; `resume` lets them go on. */
  async pause(exportId: string): Promise<void> {
    return this.run(async () => {
      const id = checkExportId(exportId);
      const { pauseExport } = await operations.pauseExport();
      await this.withRedis((redis) => pauseExport(redis, this.environment.queuePrefix, id));
    });
  }

  /** Lets a paused export go on; one Redis no longer knows is rebuilt from S3 (give its `dest`) and finished. */
  async resume(exportId: string, options: ResumeOptions = {}): Promise<ResumeResult> {
    return this.run(async () => {
      const id = checkExportId(exportId);
      const { dest } = checkRecord(options, 'The resume options') as ResumeOptions;
      const given = checkOptionalString(dest, '--dest');
      const destination = given === undefined ? undefined : parseS3Url(given);
      const prefix = this.environment.queuePrefix;
      const [{ ExportRegistry }, { unpauseExport }] = await Promise.all([operations.exportRegistry(), operations.pauseExport()]);
      return this.withRedis(async (redis): Promise<ResumeResult> => {
        if (await new ExportRegistry(redis, prefix).get(id)) return { kind: 'resumed', rangesPromoted: await unpauseExport(redis, prefix, id) };
        if (!destination) {
          throw new InvalidInputError(
            `Redis does not know export ${id}. To rebuild it from S3, give its destination: bulk-export resume ${id} --dest s3://BUCKET/PREFIX`,
          );
        }
        const [{ rebuildExportFromS3 }, { createS3Client }] = await Promise.all([operations.rebuildExport(), operations.s3Client()]);
        const s3 = createS3Client(this.environment.s3);
        try {
          return { kind: 'rebuilt', ...(await rebuildExportFromS3(redis, prefix, s3, destination, id)) };
        } finally {
          s3.destroy();
        }
      });
    });
  }

  /** Retries the export's ranges that failed for good (or one of them) from their checkpoints, and a failed commit. */
  async retry(exportId: string, options: RetryOptions = {}): Promise<RetryOutcome> {
    return this.run(async () => {
      const id = checkExportId(exportId);
      const { range } = checkRecord(options, 'The retry options') as RetryOptions;
      const only = range === undefined ? undefined : checkWholeNumber(range, '--range', 0);
      const { retryFailedJobs } = await operations.retryRanges();
      return this.withRedis((redis) => retryFailedJobs(redis, this.environment.queuePrefix, id, only));
    });
  }

  /** The most recent exports (of one account), newest first. */
  async list(options: ListOptions = {}): Promise<ListEntry[]> {
    return this.run(async () => {
      const { account, limit } = validateListOptions(options);
      const { listExports } = await operations.listExports();
      return this.withRedis((redis) => listExports(redis, this.environment.queuePrefix, { limit, ...(account === undefined ? {} : { account }) }));
    });
  }

  /**
   * Registers (or, under the same name, replaces) a schedule of incremental exports that the workers run,
   * after the checks `start` makes. A credential handed over with it is kept sealed while the schedule exists.
   */
  async schedule(request: ScheduleRequest): Promise<ScheduleResult> {
    return this.run(async () => {
      const { validateScheduleRequest } = await operations.validateSchedule();
      const { request: checked, handover, name, timing } = validateScheduleRequest(request);
      const definition = sourceDefinition(checked.source);
      // The workers that run the schedule may not have the files an option names: keep their (checked) content.
      if (definition.storableOptions && checked.sourceOptions) checked.sourceOptions = await definition.storableOptions(checked.sourceOptions);
      const account = checked.account ?? DEFAULT_ACCOUNT;
      const [{ checkStartRequest }, { upsertSchedule }] = await Promise.all([operations.startExport(), operations.schedules()]);
      return this.withRedis(async (redis) => {
        const { environment } = this;
        await checkStartRequest(checked, this.dependencies(redis), handover);
        const { nextRunAt } = await upsertSchedule(redis, environment.queuePrefix, name, timing, checked);
        if (handover) {
          await new HandedCredentials(redis, environment.queuePrefix, environment.variables).put(
            definition.name,
            account,
            handover.credential,
            `schedule:${name}`,
          );
        }
        return { name, account, nextRunAt };
      });
    }, request);
  }

  /** Removes a schedule (a run already started goes on) and lets go of its credential; false when there is none by that name. */
  async unschedule(name: string): Promise<boolean> {
    return this.run(async () => {
      const checked = checkRequiredString(name, 'The schedule name', 'the name `schedule` gave (see `schedules`)');
      const { removeSchedule } = await operations.schedules();
      return this.withRedis((redis) => removeSchedule(redis, this.environment.queuePrefix, checked));
    });
  }

  /** The schedules (of one account): period, next run, last run and its state. */
  async schedules(filter: AccountFilter = {}): Promise<ScheduleListing[]> {
    return this.run(async () => {
      const account = checkOptionalAccount((checkRecord(filter, 'The schedules filter') as AccountFilter).account);
      const { listSchedules } = await operations.schedules();
      const listings = await this.withRedis((redis) => listSchedules(redis, this.environment.queuePrefix));
      return listings.filter((listing) => account === undefined || listing.account === account);
    });
  }

  /**
   * Hands over (or replaces) an account's credential, sealed with CREDENTIALS_KEY. Exports of the account that
   * are running take it at their next read (a range's start, or a 401); the API is not asked, as a token may be
   * set a moment before it becomes valid. Nothing holding it, it is kept for an hour for an export to take.
   */
  async setCredential(request: CredentialRequest): Promise<SetCredentialResult> {
    return this.run(async () => {
      const { source, account, credential } = validateCredentialRequest(request);
      return this.withRedis(async (redis) => {
        const handed = new HandedCredentials(redis, this.environment.queuePrefix, this.environment.variables);
        await handed.put(source, account, credential);
        return { holders: await handed.holders(source, account) };
      });
    }, request);
  }

  /** Forgets an account's handed-over credential, whoever holds it; false when there was none. */
  async deleteCredential(target: CredentialTarget): Promise<boolean> {
    return this.run(async () => {
      const { source, account } = validateCredentialTarget(target);
      return this.withRedis((redis) =>
        new HandedCredentials(redis, this.environment.queuePrefix, this.environment.variables).delete(source, account),
      );
    });
  }

  /** The handed-over credentials (of one account): whose, the key that sealed each, when set, who holds it; never a credential. */
  async credentials(filter: AccountFilter = {}): Promise<HandedCredentialListing[]> {
    return this.run(async () => {
      const account = checkOptionalAccount((checkRecord(filter, 'The credentials filter') as AccountFilter).account);
      const listings = await this.withRedis((redis) => new HandedCredentials(redis, this.environment.queuePrefix, this.environment.variables).list());
      return listings.filter((listing) => account === undefined || listing.account === account);
    });
  }

  /** Ends every `wait` (rejecting it) and closes the Redis connection. The exporter cannot be used afterwards. */
  async close(): Promise<void> {
    if (!this.closing.signal.aborted) this.closing.abort(new Error('The BulkExporter was closed.'));
    await Promise.allSettled([...this.waits]);
    this.redis?.disconnect();
    this.redis = undefined;
  }

  private dependencies(redis: Redis): StartExportDependencies {
    return { environment: this.environment, redis, logger: this.logger, notify: this.notice };
  }

  /**
   * Runs a method: its errors leave without any credential in them (the environment's, those learned, and
   * one handed over with the call), as the CLI's are before it prints them.
   */
  private async run<T>(method: () => Promise<T>, input?: unknown): Promise<T> {
    try {
      return await method();
    } catch (error) {
      const handed = handedCredentialOf(input);
      const scrub = (text: string) => handed.reduce((scrubbed, secret) => scrubbed.split(secret).join(REDACTED), this.scrub(text));
      throw redactError(error, scrub);
    }
  }

  /** Runs `action` on the exporter's connection; Redis not answering or refusing is a typed error naming the Redis (without its password). */
  private async withRedis<T>(action: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = this.connection();
    try {
      return await action(redis);
    } catch (error) {
      throw redisAccessError(error, this.environment.redis.label, this.connectionError) ?? error;
    }
  }

  /** The connection for short commands: fails fast while Redis is away, and is made anew once it gave up reconnecting. */
  private connection(): Redis {
    this.closing.signal.throwIfAborted();
    if (this.redis === undefined || this.redis.status === 'end') {
      const redis = createCommandConnection(this.environment.redis, this.connectionName);
      redis.on('error', (error: Error) => (this.connectionError = error));
      redis.on('ready', () => (this.connectionError = undefined));
      this.redis = redis;
    }
    return this.redis;
  }
}

/** The credential a request hands over (as given, and without the line break dropped from it): a message must not carry it, whatever failed. */
function handedCredentialOf(input: unknown): string[] {
  const credential = (input as { credential?: unknown } | undefined)?.credential;
  if (typeof credential !== 'string') return [];
  return [credential, credential.replace(/\r?\n$/, '')].filter((secret) => secret.trim() !== '');
}

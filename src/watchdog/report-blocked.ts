/**
 * The watchdog's answer for a job whose main thread is blocked: a JobFailed failure
 * saying so, sent through report.ts (clamping, retries, a timeout per attempt, duplicate
 * deliveries) with a CodePipeline client of the watchdog's own, configured like the
 * engine's. Loaded by the watchdog thread only when it has a job to answer.
 */
import { writeSync } from 'node:fs';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { createJsonLogger } from '../logger.js';
import { failureOutcome } from '../outcome.js';
import { Redactor } from '../redact.js';
import { reportOutcome } from '../report.js';
import type { WatchdogVerdict, WatchedJob } from './memory.js';
import type { ReporterSettings } from './protocol.js';

const clients = new Map<number, CodePipelineClient>();

/** The failure message CodePipeline shows for a blocked invocation. */
export function blockedMessage(job: WatchedJob, blockedMs: number, now = Date.now()): string {
  return (
    `The gate blocked the event loop: the function's main thread has not responded for ${blockedMs} ms ` +
    `(the invocation started ${now - job.startedAt} ms ago), so the job was not answered within ` +
    `${job.budgetMs} ms (the Lambda timeout minus ${job.marginMs} ms kept for reporting). ` +
    'A watchdog thread reported this failure. Look for synchronous work that never yields: ' +
    'an endless loop, a catastrophic regular expression, a huge synchronous computation.'
  );
}

/** Reports the failure for `job`; never throws (a report that got nowhere is 'not-delivered'). */
export async function reportBlockedJob(
  job: WatchedJob,
  reporter: ReporterSettings,
  blockedMs: number,
): Promise<WatchdogVerdict> {
  // The watchdog never sees artifact credentials; mask the function's own, in case an
  // SDK error ever echoes them.
  const redactor = new Redactor([process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN]);
  const logger = createJsonLogger({
    keys: { jobId: job.jobId, thread: 'watchdog' },
    redactor,
    level: reporter.logLevel,
    // Straight to the file descriptor: a worker's process.stdout is relayed through the
    // main thread, which is blocked.
    sink: (line) => writeSync(1, `${line}\n`),
  });
  logger.error('run blocked the event loop past the deadline; the watchdog reports the failure', {
    blockedMs,
    budgetMs: job.budgetMs,
  });
  try {
    const result = await reportOutcome(
      job.jobId,
      failureOutcome(blockedMessage(job, blockedMs), 'JobFailed'),
      {
        client: clientFor(reporter),
        logger,
        redactor,
        reportTimeoutMs: reporter.reportTimeoutMs,
        reportAttempts: reporter.reportAttempts,
        remainingMs: () => job.lambdaEndAt - Date.now(),
      },
    );
    // The watchdog's three-bit verdict has no room for "not found": CodePipeline
    // refused the answer either way (report.ts logged which).
    return result.status === 'job-not-found' ? 'rejected' : result.status;
  } catch {
    // report.ts has logged why.
    return 'not-delivered';
  }
}

function clientFor(reporter: ReporterSettings): CodePipelineClient {
  let client = clients.get(reporter.id);
  if (!client) {
    // As clients.ts: the SDK's retries off, report.ts retries with a timeout per attempt.
    client = new CodePipelineClient({
      maxAttempts: 1,
      ...(reporter.region ? { region: reporter.region } : {}),
      ...(reporter.endpoint ? { endpoint: reporter.endpoint } : {}),
    });
    clients.set(reporter.id, client);
  }
  return client;
}

// Plays Lambda's runtime for the watchdog tests: imports the handler module given on
// the command line (TypeScript under `node --import tsx`, or a bundle under plain
// `node`), invokes its handler once with a fresh job event and a 5 s context, and
// prints `START {...}` before and `RESULT {...}` after, one line each.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const file = process.argv[2] ?? '';
const gates = await import(pathToFileURL(isAbsolute(file) ? file : resolve(file)).href);
const remainingTimeMs = Number(process.env.WATCHDOG_TEST_REMAINING_MS ?? 5000);
const event = gates.jobEvent();
const context = gates.lambdaContext({ remainingTimeMs });
const jobId = event['CodePipeline.job'].id;
process.stdout.write(
  `START ${JSON.stringify({ jobId, lambdaEndAt: Date.now() + remainingTimeMs })}\n`,
);
try {
  const resolved = await gates.handler(event, context);
  process.stdout.write(`RESULT ${JSON.stringify({ resolved })}\n`);
} catch (error) {
  process.stdout.write(`RESULT ${JSON.stringify({ rejected: error.name })}\n`);
}

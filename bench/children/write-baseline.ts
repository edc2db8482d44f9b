/** Child: writes an output artifact without the framework (JSZip in memory, one PutObject). */
import { writeWithJszip } from '../baseline/jszip-writer.js';
import { args, BENCH_CREDENTIALS, measureJob } from './measure-job.js';

const [bucket, key, directory] = args(['bucket', 'key', 'directory']) as [string, string, string];

await measureJob(async () => {
  const result = await writeWithJszip({ bucket, key, credentials: BENCH_CREDENTIALS }, directory);
  return { ...result };
});

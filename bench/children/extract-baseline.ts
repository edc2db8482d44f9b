/** Child: extracts a whole input artifact without the framework (GetObject to a file, then unzip). */
import { downloadAndUnzip } from '../baseline/unzip-extractor.js';
import { args, BENCH_CREDENTIALS, measureJob } from './measure-job.js';

const [bucket, key, directory, zipFile] = args(['bucket', 'key', 'directory', 'zip-file']) as [
  string,
  string,
  string,
  string,
];

await measureJob(async () => {
  const result = await downloadAndUnzip(
    { bucket, key, credentials: BENCH_CREDENTIALS },
    zipFile,
    directory,
  );
  return { ...result };
});

/** Child: reads one file from an input artifact the usual way (whole GetObject, then JSZip). */
import { readWithJszip } from '../baseline/jszip-reader.js';
import { measureRead } from './measure-read.js';

await measureRead(({ bucket, key, path, credentials }) =>
  readWithJszip({ bucket, key, credentials }, path),
);

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../../src/api-limits.js';
import { JobFailedError } from '../../../src/errors.js';
import { clamp } from '../../../src/outcome.js';
import { buildZip } from '../../fixtures/hostile-zips/raw-zip.js';
import { failure, inputServing, tree } from '../../helpers/artifact-context.js';

const s3Mock = mockClient(S3Client);
let workDir: string;

describe('Function: extractArchive', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'extract-'));
  });
  afterEach(() => {
    s3Mock.reset();
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it.each([
    ['a 60 kB name', `${'x/'.repeat(30_000)}evil.txt`, 'longer than a file path may be'],
    ['a 4 kB name with a 4 kB part', `${'y'.repeat(4000)}.txt`, 'longer than a file name may be'],
    ['a long symbolic link', `${'l/'.repeat(2000)}link`, 'symbolic link'],
  ])(
    'keeps the refusal of %s under the failure-message limit, with the reason',
    async (_label, name, reason) => {
      // Prepare
      const zip = buildZip([
        {
          name,
          data: Buffer.from('x'),
          ...(reason === 'symbolic link' ? { unixMode: 0o120777 } : {}),
        },
      ]);
      const target = path.join(workDir, `target-${name.length}`);
      const artifact = inputServing(s3Mock, zip);

      // Act
      const error = await failure(artifact.extractTo(target));

      // Assess
      expect(error).toBeInstanceOf(JobFailedError);
      expect(error.message.length).toBeLessThanOrEqual(LIMITS.failureMessage);
      expect(clamp(error.message, LIMITS.failureMessage)).toContain(reason);
      expect(error.message).toContain(`(${name.length} characters)`);
      expect(error.message).toContain(`"${name.slice(0, 200)}…"`);
      expect(await tree(workDir)).not.toContain(path.basename(target));
    },
  );
});

import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { invokeAction } from 'codepipeline-handler';

const s3 = new S3Client({});

// Fails while s3://release-config/FREEZE exists.
export const handler = invokeAction({
  async run(job) {
    const frozen = await s3
      .send(new HeadObjectCommand({ Bucket: 'release-config', Key: 'FREEZE' }))
      .then(
        () => true,
        () => false,
      );
    return frozen ? job.fail('releases are frozen') : job.succeed();
  },
});

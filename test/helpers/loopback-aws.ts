/**
 * Every AWS endpoint a handler talks to, on 127.0.0.1, with the process environment
 * pointing the SDK's standard configuration at them: the embedded job API (faults
 * per call, every request recorded), the embedded S3 (recording, with faults on
 * request) and the local STS (it names PIPELINE_ROLE_ARN as the caller, so permission
 * errors can name the role). Handlers built without a `client` option then report
 * through the framework's own default client, as in production.
 */

import { type EmbeddedS3, startEmbeddedS3 } from '../../src/local/embedded-s3.js';
import type { JobApi } from '../../src/local/job-api/index.js';
import { type StsStub, startStsStub } from '../../src/local/sts-stub.js';
import { loopbackAwsEnv, setEnv } from './env.js';
import { startTestJobApi } from './job-api.js';

/** Who the artifact credentials belong to, as the local STS tells GetCallerIdentity. */
export const PIPELINE_ROLE_ARN =
  'arn:aws:sts::123456789012:assumed-role/PipelineArtifactRole/1700000000000';

/** The local STS with the pipeline role as its caller. */
export function startLoopbackSts(): Promise<StsStub> {
  return startStsStub({ callerArn: PIPELINE_ROLE_ARN });
}

export interface LoopbackAws {
  readonly codePipeline: JobApi;
  readonly s3: EmbeddedS3;
  readonly sts: StsStub;
  close(): Promise<void>;
}

export async function startLoopbackAws(options: {
  buckets: readonly string[];
  codePipeline?: { readonly oneAnswerPerJob?: boolean };
}): Promise<LoopbackAws> {
  const codePipeline = await startTestJobApi([], options.codePipeline);
  const s3 = await startEmbeddedS3({ buckets: options.buckets });
  const sts = await startLoopbackSts();
  const restoreEnv = setEnv({
    ...loopbackAwsEnv(s3.endpoint, sts.endpoint),
    AWS_ENDPOINT_URL_CODEPIPELINE: codePipeline.endpoint,
  });
  return {
    codePipeline,
    s3,
    sts,
    async close() {
      restoreEnv();
      await Promise.all([codePipeline.close(), s3.close(), sts.close()]);
    },
  };
}

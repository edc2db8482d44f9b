/**
 * Every AWS endpoint a handler talks to, on 127.0.0.1, with the process environment
 * pointing the SDK's standard configuration at them: a scripted CodePipeline (faults
 * per call, every request recorded), s3rver behind the recording/faulting proxy, and
 * a fake STS (permission errors name the role it returns). Handlers built without a
 * `client` option then report through the framework's own default client, as in
 * production.
 */

import { loopbackAwsEnv, setEnv } from '../integration/artifacts/env.js';
import { type FakeSts, startFakeSts } from '../integration/artifacts/fake-sts.js';
import { type S3TestServer, startS3Server } from './s3-server.js';
import {
  type ScriptedCodePipeline,
  type ScriptedCodePipelineOptions,
  startScriptedCodePipeline,
} from './scripted-codepipeline.js';

export interface LoopbackAws {
  readonly codePipeline: ScriptedCodePipeline;
  readonly s3: S3TestServer;
  readonly sts: FakeSts;
  close(): Promise<void>;
}

export async function startLoopbackAws(options: {
  buckets: readonly string[];
  codePipeline?: ScriptedCodePipelineOptions;
}): Promise<LoopbackAws> {
  const codePipeline = await startScriptedCodePipeline([], options.codePipeline);
  const s3 = await startS3Server({ buckets: options.buckets });
  const sts = await startFakeSts();
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

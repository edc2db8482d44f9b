/**
 * CI's bundle smoke run: every function of template.yaml, as `sam build` builds it (its
 * Makefile target, into a temporary folder that becomes the task root), is invoked once the way Lambda's nodejs24.x runtime would
 * invoke it (see smoke-bundle.ts), with the job its pipeline action would get: the
 * action's UserParameters from the template, sample-source zipped as the input
 * artifact in a KMS-encrypted artifact store, and sample-source served as the
 * environment the Verify stage checks. Everything runs on loopback and is started
 * here. Exits 1 if any bundle fails to load, throws, does not answer, answers more
 * than once, ends other than Succeeded, or leaks an artifact credential.
 *
 *   npm run smoke:lambda
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { samMakefileBuild } from '../../scripts/build.mjs';
import { startLocalEnvironment } from '../../src/local/environment.js';
import { LocalArtifactStore, zipDirectory } from '../../src/local/invoke/artifact-store.js';
import { planPipeline } from '../../src/local/pipeline/plan.js';
import { startStaticSite } from '../../src/local/pipeline/static-site.js';
import { templateFunctions } from '../../src/local/template/functions.js';
import type { ResolveContext } from '../../src/local/template/intrinsics.js';
import { readTemplate } from '../../src/local/template/parse-template.js';
import { smokeTestBundle } from './smoke-bundle.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE = join(ROOT, 'sample-source');

function handlerOf(logicalId: string, template: ReturnType<typeof readTemplate>): string {
  return String(template.Resources[logicalId]?.Properties?.Handler ?? 'index.handler');
}

async function main(): Promise<number> {
  // The Node.js of the `node` devDependency, the one the suite is tested with.
  const wanted = JSON.parse(readFileSync(join(ROOT, 'node_modules/node/package.json'), 'utf8'))
    .version as string;
  if (process.versions.node !== wanted) {
    console.error(`Expected Node.js ${wanted} (the node devDependency), got ${process.version}`);
    return 1;
  }

  const template = readTemplate(join(ROOT, 'template.yaml'));
  const site = await startStaticSite(SOURCE);
  const context: ResolveContext = {
    template,
    parameters: new Map([
      ['EnvironmentUrl', site.url],
      ['SourceBucket', 'smoke-source'],
      ['SourceObjectKey', 'source.zip'],
    ]),
    region: 'us-east-1',
    accountId: '123456789012',
    stackName: 'smoke',
  };
  const plan = planPipeline(context, ROOT, undefined);
  const { zip } = await zipDirectory(SOURCE);
  const untested = new Set(templateFunctions(context, ROOT).keys());
  const builds = await mkdtemp(join(tmpdir(), 'smoke-bundles-'));
  let failed = 0;

  try {
    for (const stage of plan.stages) {
      for (const action of stage.groups.flat()) {
        if (action.kind !== 'invoke' || action.fn === undefined) continue;
        const fn = action.fn;
        untested.delete(fn.logicalId);
        const handler = handlerOf(fn.logicalId, template);
        const bundleDir = join(builds, fn.logicalId);
        const label = `${fn.logicalId} (${handler}, ${fn.memoryMb} MB) for ${stage.name}/${action.name}`;
        await samMakefileBuild(fn.logicalId, bundleDir, { codeUri: ROOT });

        const local = await startLocalEnvironment();
        try {
          const store = await LocalArtifactStore.create(local, plan.name);
          const inputs = [];
          for (const name of action.inputArtifacts) inputs.push(await store.upload(name, zip));
          const job = local.jobApi.jobs.createJob({
            pipelineName: plan.name,
            stageName: stage.name,
            actionName: action.name,
            functionName: fn.functionName,
            ...(typeof action.configuration.UserParameters === 'string'
              ? { userParameters: action.configuration.UserParameters }
              : {}),
            inputArtifacts: inputs,
            outputArtifacts: action.outputArtifacts.map((name) => store.slot(name)),
            artifactCredentials: store.credentials(),
            encryptionKey: { id: store.encryptionKeyId, type: 'KMS' },
            accountId: local.accountId,
          });
          const outcome = await smokeTestBundle({
            bundle: {
              functionName: fn.functionName,
              handler,
              bundleDir,
              memoryMb: fn.memoryMb,
              timeoutSeconds: fn.timeoutSeconds,
              variables: fn.variables,
            },
            local,
            job,
          });
          if (outcome.problems.length === 0) {
            console.log(`ok   ${label}: ${outcome.summary}`);
          } else {
            failed++;
            console.error(`FAIL ${label}:`);
            for (const problem of outcome.problems) console.error(`  - ${problem}`);
            console.error(
              `  output of the function's process:\n${outcome.output.replace(/^/gm, '    | ')}`,
            );
          }
        } finally {
          await local.close();
        }
      }
    }
  } finally {
    await site.close();
    await rm(builds, { recursive: true, force: true });
  }
  for (const logicalId of untested) {
    console.error(
      `FAIL ${logicalId}: no action of the pipeline invokes it, so nothing smoke-tests its bundle`,
    );
    failed++;
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();

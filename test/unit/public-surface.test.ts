import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const entryPoints = {
  'codepipeline-handler': () => import('../../src/index.js'),
  'codepipeline-handler/testing': () => import('../../src/testing/index.js'),
  'codepipeline-handler/gates': () => import('../../src/gates/index.js'),
};

/** Each export of a module, with its kind: what users can import at run time. */
async function surfaceOf(entry: Promise<Record<string, unknown>>): Promise<string[]> {
  const module = await entry;
  return Object.keys(module)
    .sort()
    .map((name) => `${name}: ${typeof module[name]}`);
}

// A change here is a change to the public API: update the README's "Exports" tables too.
describe('Public surface', () => {
  it('codepipeline-handler', async () => {
    expect(await surfaceOf(import('../../src/index.js'))).toMatchInlineSnapshot(`
      [
        "CodePipelineJobError: function",
        "ConfigurationError: function",
        "FAILURE_TYPES: object",
        "Job: function",
        "JobFailedError: function",
        "NotAJobEventError: function",
        "PermissionError: function",
        "ReportNotDeliveredError: function",
        "RevisionOutOfSyncError: function",
        "RevisionUnavailableError: function",
        "SystemUnavailableError: function",
        "codePipelineJob: function",
        "decodeContinuation: function",
        "encodeContinuation: function",
        "failureOf: function",
        "invokeAction: function",
        "jobEventSchema: object",
        "parseJobEvent: function",
      ]
    `);
  });

  it('codepipeline-handler/testing', async () => {
    expect(await surfaceOf(import('../../src/testing/index.js'))).toMatchInlineSnapshot(`
      [
        "JobSkippedAsDuplicateError: function",
        "artifactLocations: function",
        "jobEvent: function",
        "lambdaContext: function",
        "runJob: function",
        "runUntilDone: function",
        "zipFiles: function",
      ]
    `);
  });

  it('codepipeline-handler/gates', async () => {
    expect(await surfaceOf(import('../../src/gates/index.js'))).toMatchInlineSnapshot(`
      [
        "DEFAULT_SCALE: object",
        "describeUrl: function",
        "detectRatingsFormat: function",
        "evaluateRatings: function",
        "evaluateResponse: function",
        "httpRequest: function",
        "parseRatings: function",
        "pollUntil: function",
        "ratingGate: object",
        "ratingGateParams: object",
        "runSmokeChecks: function",
        "smokeCheckSchema: object",
        "smokeTest: object",
        "smokeTestParams: object",
        "waitForUrl: object",
        "waitForUrlParams: object",
      ]
    `);
  });
});

describe('README: Exports', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const start = readme.indexOf('### Exports');
  const section = readme.slice(start, readme.indexOf('\n## ', start));

  it.each(Object.entries(entryPoints))('documents every export of %s', async (name, load) => {
    // Prepare
    const from = section.indexOf(`\n\`${name}\``);
    const to = section.indexOf('\n`codepipeline-handler', from + 1);
    const table = section.slice(from, to === -1 ? undefined : to);

    // Assess: each name appears in the entry point's table, as `name` or `name(...)`.
    for (const exported of Object.keys(await load())) {
      expect(table, exported).toMatch(new RegExp(`\`${exported}[\`(]`));
    }
  });
});

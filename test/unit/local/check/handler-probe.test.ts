import { describe, expect, it } from 'vitest';
import { probeHandler } from '../../../../src/local/check/handler-probe.js';
import { FIXTURES, ROOT } from './run-check.js';

const env = { PATH: process.env.PATH ?? '' };

describe('Function: probeHandler', () => {
  it("finds the schema of an exported codePipelineJob middleware and validates with the engine's messages", async () => {
    // Act
    const reply = await probeHandler(
      {
        file: `${ROOT}${FIXTURES}/handlers/middy-chain.ts`,
        exportName: 'handler',
        parameters: ['{"env":"prod"}', '{"env":"staging"}', null],
      },
      env,
    );

    // Assess
    expect(reply).toEqual({
      kind: 'loaded',
      schema: 'params',
      source: 'export job',
      results: [
        { ok: true },
        {
          ok: false,
          message: expect.stringContaining('UserParameters is invalid: UserParameters.env:'),
          issues: [{ path: ['env'], message: expect.stringContaining('"test"') }],
        },
        {
          ok: false,
          message: expect.stringContaining(
            'UserParameters is missing from the action configuration',
          ),
          issues: [{ path: [], message: expect.any(String) }],
        },
      ],
    });
  });

  it('reports a module that throws while loading, with its message', async () => {
    // Act
    const reply = await probeHandler(
      {
        file: `${ROOT}${FIXTURES}/handlers/throws-on-import.ts`,
        exportName: 'handler',
        parameters: [],
      },
      env,
    );

    // Assess
    expect(reply).toEqual({ kind: 'load-error', message: 'Error: SETTINGS_TABLE is not set' });
  });
});

import { describe, expect, it } from 'vitest';
import { probeHandlers } from '../../../../src/local/check/handler-probe.js';
import { FIXTURES, ROOT } from './run-check.js';

const env = { PATH: process.env.PATH ?? '' };

describe('Function: probeHandlers', () => {
  it("finds the schema of an exported codePipelineJob middleware and validates with the engine's messages", async () => {
    // Act
    const [reply] = await probeHandlers([
      {
        file: `${ROOT}${FIXTURES}/handlers/middy-chain.ts`,
        exportName: 'handler',
        env,
        parameters: ['{"env":"prod"}', '{"env":"staging"}', null],
      },
    ]);

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

  it('reports a module that throws while loading, with its message, and still probes the next', async () => {
    // Act
    const replies = await probeHandlers([
      {
        file: `${ROOT}${FIXTURES}/handlers/throws-on-import.ts`,
        exportName: 'handler',
        env,
        parameters: [],
      },
      { file: `${ROOT}${FIXTURES}/handlers/plain.ts`, exportName: 'handler', env, parameters: [] },
    ]);

    // Assess
    expect(replies).toEqual([
      { kind: 'load-error', message: 'Error: SETTINGS_TABLE is not set' },
      { kind: 'loaded', schema: 'none', results: [] },
    ]);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handler } from '../../../handlers/release-notes-check.js';
import { runJob } from '../../../src/testing/index.js';

const exampleNotes = readFileSync(
  join(import.meta.dirname, '../../../sample-source/release-notes.md'),
  'utf8',
);

describe('Handler: release-notes-check', () => {
  it('approves the example release notes, with the title as an output variable', async () => {
    // Act
    const result = await runJob(handler, {
      params: { file: 'release-notes.md', requiredSections: ['Changes'] },
      artifacts: { SourceOutput: { 'release-notes.md': exampleNotes } },
    });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.summary).toBe('release-notes.md: "Release 1.4.0", 2 sections, none unfinished');
    expect(result.outputVariables).toEqual({ releaseTitle: 'Release 1.4.0' });
  });

  it('fails listing every problem of unfinished notes', async () => {
    // Prepare
    const notes = '## Changes\n\n## Known issues\n- TODO: write these\n';

    // Act
    const result = await runJob(handler, {
      params: { requiredSections: ['Changes', 'Upgrade notes'] },
      artifacts: { SourceOutput: { 'release-notes.md': notes } },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toBe(
      'release-notes.md is not ready: it has no "# " title line; section "## Changes" is empty; section "## Upgrade notes" is missing; line 4 still says TODO',
    );
  });

  it('reports missing notes as a configuration error', async () => {
    // Act
    const result = await runJob(handler, {
      artifacts: { SourceOutput: { 'README.md': '# hi' } },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failureType).toBe('ConfigurationError');
    expect(result.message).toBe('release-notes.md is not in the SourceOutput artifact');
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJobEvent } from '../../../src/event.js';
import { invokeAction, type Job } from '../../../src/index.js';
import { runJob } from '../../../src/testing/index.js';

const dir = join(import.meta.dirname, '../../events');
const fixtures = readdirSync(dir).filter((name) => name.endsWith('.json'));

describe('Fixtures: test/events', () => {
  it('covers the variants CodePipeline sends', () => {
    expect(fixtures.sort()).toEqual([
      'continuation-token.json',
      'encryption-key.json',
      'no-user-parameters.json',
      'output-artifacts.json',
      'several-inputs.json',
    ]);
  });

  it.each(fixtures)('%s parses and runs through the engine', async (name) => {
    // Prepare
    const event = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    let seen: Job | undefined;
    const handler = invokeAction({
      run: (job) => {
        seen = job as Job;
      },
    });

    // Act
    const parsed = parseJobEvent(event);
    const result = await runJob(handler, { event });

    // Assess
    expect(parsed.ok).toBe(true);
    expect(result.status).toBe('succeeded');
    expect(seen?.id).toBe(event['CodePipeline.job'].id);
    const data = event['CodePipeline.job'].data;
    expect(seen?.inputArtifacts).toHaveLength(data.inputArtifacts.length);
    expect(seen?.encryptionKey?.id).toBe(data.encryptionKey?.id);
    expect(seen?.round).toBe(data.continuationToken ? 3 : 1);
  });
});

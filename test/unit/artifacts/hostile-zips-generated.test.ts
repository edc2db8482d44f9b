import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { quoteEntryName } from '../../../src/artifacts/entry-safety.js';
import { ConfigurationError, JobFailedError } from '../../../src/errors.js';
import { generatedCorpus, lookAlikeNames, manyEntries } from '../../fixtures/hostile-zips/make.js';
import { buildZip } from '../../fixtures/hostile-zips/raw-zip.js';
import { failure, inputServing, tree } from '../../helpers/artifact-context.js';

const s3Mock = mockClient(S3Client);
let workDir: string;

/** Places a traversal could reach from the target: none may gain an evil.txt. */
const ESCAPES = ['/tmp/evil.txt', '/tmp/codepipeline-handler-evil.txt'];

describe('Hostile archives generated at test time', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'hostile-generated-'));
    for (const place of ESCAPES) await expect(stat(place)).rejects.toThrow();
  });
  afterEach(() => {
    s3Mock.reset();
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  describe.each(generatedCorpus.map((item, index) => ({ ...item, index })))('$label', (item) => {
    const zip = item.build();
    const archiveLevel = item.read === 'archive-refused';
    // How the refusal names what it refuses: the entry (long names cut), or the artifact as a whole.
    const named =
      archiveLevel || item.entry.startsWith('artifact ')
        ? item.entry
        : `entry ${quoteEntryName(item.entry)}`;

    it('lists the hostile entry by name, or refuses the archive clearly', async () => {
      // Act
      const listing = inputServing(s3Mock, zip, item.limits).files();

      // Assess
      if (archiveLevel) {
        const error = await failure(listing);
        expect(error).toBeInstanceOf(JobFailedError);
        expect(error.message).toMatch(item.reason);
        return;
      }
      const names = (await listing).map((entry) => entry.path);
      if (!item.entry.startsWith('artifact ')) expect(names).toContain(item.entry);
    });

    it('refuses to read it, naming the entry and the reason', async () => {
      // Prepare
      const artifact = inputServing(s3Mock, zip, item.limits);

      // Act
      const reading = artifact.read(item.readPath ?? item.entry);

      // Assess
      if (item.read === 'ok') {
        expect((await reading).length).toBeGreaterThan(0);
        return;
      }
      const error = await failure(reading);
      if (item.read === 'invalid-path') {
        expect(error).toBeInstanceOf(ConfigurationError);
        expect(error.message).toContain(`"${item.entry}" is not a valid path`);
        return;
      }
      expect(error).toBeInstanceOf(JobFailedError);
      expect(error.message).toMatch(item.reason);
      expect(error.message).toContain(named);
    });

    it('refuses to extract it, naming the entry and the reason, writing nothing outside', async () => {
      // Prepare: the target sits two levels down in a parent whose tree is compared
      const parent = path.join(workDir, `case-${item.index}`);
      const target = path.join(parent, 'one', 'two', 'target');
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(path.join(parent, 'sentinel.txt'), 'untouched');
      const before = await tree(parent);
      const artifact = inputServing(s3Mock, zip, item.limits);

      // Act
      const error = await failure(artifact.extractTo(target));

      // Assess
      expect(error).toBeInstanceOf(JobFailedError);
      expect(error.message).toMatch(item.reason);
      expect(error.message).toContain(named);
      const outside = (await tree(parent)).filter(
        (entry) => !entry.startsWith(path.join('one', 'two', 'target')),
      );
      expect(outside).toEqual(before);
      for (const place of ESCAPES) await expect(stat(place)).rejects.toThrow();
      // A bomb is not left behind half-written.
      const written = await tree(target).catch(() => []);
      expect(written.filter((name) => name.includes('bomb'))).toEqual([]);
    });
  });

  it('extracts names that only look like traversal as plain files inside the target', async () => {
    // Prepare
    const zip = buildZip(lookAlikeNames.map((name) => ({ name, data: Buffer.from(name) })));
    const parent = path.join(workDir, 'look-alikes');
    const target = path.join(parent, 'target');
    await mkdir(parent, { recursive: true });

    // Act
    const result = await inputServing(s3Mock, zip).extractTo(target);

    // Assess
    expect(result.files).toBe(lookAlikeNames.length);
    const files = (await readdir(target, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(target, path.join(entry.parentPath, entry.name)))
      .sort();
    expect(files).toEqual([...lookAlikeNames].sort());
    expect(await readdir(parent)).toEqual(['target']);
  });

  describe('100 000 entries', () => {
    const zip = manyEntries(100_000);

    it.each(['files', 'read', 'extractTo'] as const)(
      'refuses %s by the default entry limit, before listing the entries',
      async (operation) => {
        // Prepare
        const artifact = inputServing(s3Mock, zip);
        const target = path.join(workDir, `many-${operation}`);

        // Act
        const error = await failure(
          operation === 'files'
            ? artifact.files()
            : operation === 'read'
              ? artifact.read('f/5')
              : artifact.extractTo(target),
        );

        // Assess
        expect(error).toBeInstanceOf(JobFailedError);
        expect(error.message).toContain('100000 entries, more than the limit of 10000');
        expect(error.message).toContain('limits.maxEntries');
        await expect(stat(target)).rejects.toThrow();
      },
    );

    it('lists and reads them when the limit is raised', async () => {
      // Prepare
      const artifact = inputServing(s3Mock, zip, { maxEntries: 100_000 });

      // Act
      const files = await artifact.files();
      const last = await artifact.read('f/99999');

      // Assess
      expect(files).toHaveLength(100_000);
      expect(files[99_999]?.path).toBe('f/99999');
      expect(last.length).toBe(0);
    });

    it('still refuses one entry over a raised limit', async () => {
      // Act
      const error = await failure(inputServing(s3Mock, zip, { maxEntries: 99_999 }).files());

      // Assess
      expect(error.message).toContain('100000 entries, more than the limit of 99999');
    });
  });
});

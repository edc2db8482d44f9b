import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CodePipelineJobError, JobFailedError } from '../../../src/errors.js';
import { buildFixtures, catalog } from '../../fixtures/hostile-zips/make.js';
import { buildZip } from '../../fixtures/hostile-zips/raw-zip.js';
import { failure, inputServing, tree } from '../../helpers/artifact-context.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/hostile-zips');
const s3Mock = mockClient(S3Client);
let workDir: string;

describe('Hostile archives', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'hostile-'));
  });
  afterEach(() => {
    s3Mock.reset();
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('has committed fixtures identical to what make.ts generates', async () => {
    // Prepare
    const generated = buildFixtures();

    // Act
    const differing: string[] = [];
    for (const [file, bytes] of generated) {
      const committed = await readFile(path.join(FIXTURES, file));
      if (!committed.equals(bytes)) differing.push(file);
    }

    // Assess
    expect(generated.size).toBe(catalog.length);
    expect(differing).toEqual([]);
  });

  describe.each(catalog)('$file ($description)', (fixture) => {
    it('is refused by extractTo with a JobFailed naming the problem, writing nothing outside', async () => {
      // Prepare
      const zip = await readFile(path.join(FIXTURES, fixture.file));
      const parent = path.join(workDir, fixture.file.replace('.zip', ''));
      const target = path.join(parent, 'target');
      await mkdir(parent, { recursive: true });
      const before = await tree(parent);
      const artifact = inputServing(s3Mock, zip, fixture.limits);

      // Act
      const error = await failure(artifact.extractTo(target));

      // Assess
      expect(error).toBeInstanceOf(JobFailedError);
      expect((error as CodePipelineJobError).failureType).toBe('JobFailed');
      expect(error.message).toContain(fixture.mustMention);
      expect(error.message).toContain('"BuildOutput"');
      const after = await tree(parent);
      const outside = after.filter(
        (entry) => entry !== 'target' && !entry.startsWith(`target${path.sep}`),
      );
      expect(outside).toEqual(before);
      await expect(stat('/tmp/codepipeline-handler-evil.txt')).rejects.toThrow();
      await expect(stat(path.join(workDir, 'evil.txt'))).rejects.toThrow();
    });
  });

  it.each([
    ['zip-slip-dotdot.zip', '../evil.txt'],
    ['zip-slip-backslash.zip', '..\\evil.txt'],
    ['absolute-path.zip', '/tmp/codepipeline-handler-evil.txt'],
    ['drive-letter.zip', 'C:/evil.txt'],
    ['symlink.zip', 'link'],
  ])('refuses to read the hostile entry of %s', async (file, entry) => {
    // Prepare
    const artifact = inputServing(s3Mock, await readFile(path.join(FIXTURES, file)));
    const listed = (await artifact.files()).map((item) => item.path);

    // Act
    const error = await failure(artifact.read(entry));

    // Assess
    expect(listed).toContain(entry);
    expect(error.message).toMatch(/not a valid path|Refusing entry/);
    expect(error.message).toContain(entry);
  });

  it('refuses to read a symlink entry by its exact name', async () => {
    // Prepare
    const artifact = inputServing(s3Mock, await readFile(path.join(FIXTURES, 'symlink.zip')));

    // Act
    const error = await failure(artifact.read('link'));

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.message).toBe(
      'Refusing entry "link" of artifact "BuildOutput": it is a symbolic link',
    );
  });

  it('stops reading a size-lie bomb at once', async () => {
    // Prepare
    const artifact = inputServing(s3Mock, await readFile(path.join(FIXTURES, 'size-lie-bomb.zip')));

    // Act
    const error = await failure(artifact.read('bomb.txt'));

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.message).toContain('"bomb.txt"');
    expect(error.message).toMatch(/more than the 100 B it declares|too many bytes/);
  });

  it('leaves the target as it was when a bomb is found after other files were written', async () => {
    // Prepare: the target exists and holds a file of its own
    const target = path.join(workDir, 'bomb-target');
    await mkdir(target);
    await writeFile(path.join(target, 'mine.txt'), 'mine');
    const artifact = inputServing(s3Mock, await readFile(path.join(FIXTURES, 'size-lie-bomb.zip')));

    // Act
    const error = await failure(artifact.extractTo(target));

    // Assess: ok.txt came first and was written, then removed with the half-written bomb
    expect(error.message).toContain('"bomb.txt"');
    expect(await tree(target)).toEqual(['mine.txt']);
  });

  it('refuses more entries than the default limit of 10 000', async () => {
    // Prepare
    const zip = buildZip(
      Array.from({ length: 10_001 }, (_, index) => ({ name: `f/${index}`, method: 0 as const })),
    );
    const artifact = inputServing(s3Mock, zip);

    // Act
    const error = await failure(artifact.files());

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.message).toContain('10001 entries, more than the limit of 10000');
    expect(error.message).toContain('limits.maxEntries');
  });

  it('accepts the same archive when the user raises maxEntries', async () => {
    // Prepare
    const zip = buildZip(Array.from({ length: 51 }, (_, index) => ({ name: `f${index}.txt` })));
    const artifact = inputServing(s3Mock, zip, { maxEntries: 100 });

    // Act
    const files = await artifact.files();

    // Assess
    expect(files).toHaveLength(51);
  });

  it('refuses an archive whose declared total exceeds maxTotalBytes before writing', async () => {
    // Prepare
    const zip = buildZip([
      { name: 'a.bin', data: Buffer.alloc(600) },
      { name: 'b.bin', data: Buffer.alloc(600) },
    ]);
    const target = path.join(workDir, 'total-target');
    const artifact = inputServing(s3Mock, zip, { maxTotalBytes: 1000 });

    // Act
    const error = await failure(artifact.extractTo(target));

    // Assess
    expect(error.message).toContain('limits.maxTotalBytes');
    await expect(stat(target)).rejects.toThrow();
  });

  it('refuses an entry declared bigger than maxEntryBytes', async () => {
    // Prepare
    const zip = buildZip([{ name: 'big.bin', data: Buffer.alloc(5000) }]);
    const artifact = inputServing(s3Mock, zip, { maxEntryBytes: 4096 });

    // Act
    const error = await failure(artifact.extractTo(path.join(workDir, 'entry-target')));

    // Assess
    expect(error.message).toContain('"big.bin"');
    expect(error.message).toContain('limits.maxEntryBytes');
  });

  it('does not write through a symlink that already exists in the target', async () => {
    // Prepare: the target already holds a link pointing outside it
    const { symlink } = await import('node:fs/promises');
    const outside = path.join(workDir, 'outside-dir');
    const target = path.join(workDir, 'link-target');
    await mkdir(outside, { recursive: true });
    await mkdir(target, { recursive: true });
    await symlink(outside, path.join(target, 'sub'));
    await symlink(path.join(outside, 'file.txt'), path.join(target, 'file.txt'));
    const artifact = inputServing(
      s3Mock,
      buildZip([{ name: 'sub/evil.txt', data: Buffer.from('x') }]),
    );
    const fileArtifact = () =>
      inputServing(s3Mock, buildZip([{ name: 'file.txt', data: Buffer.from('x') }]));

    // Act
    const dirError = await failure(artifact.extractTo(target));
    const fileError = await failure(fileArtifact().extractTo(target));

    // Assess
    expect(dirError.message).toContain('"sub/evil.txt"');
    expect(dirError.message).toContain('link');
    expect(fileError.message).toContain('"file.txt"');
    expect(await readdir(outside)).toEqual([]);
  });
});

import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { type ArtifactLimits, JobArtifacts } from '../../../src/artifacts/index.js';
import { ConfigurationError, JobFailedError } from '../../../src/errors.js';
import { buildZip } from '../../fixtures/hostile-zips/raw-zip.js';
import { artifactContext, s3Body } from '../../helpers/artifact-context.js';

const s3Mock = mockClient(S3Client);

/** Serves `zip` honouring Range (or ignoring it, like a careless S3-compatible server). */
function serve(
  zip: Buffer,
  options: { honourRange?: boolean; limits?: Partial<ArtifactLimits> } = {},
) {
  const gets: Array<string | undefined> = [];
  s3Mock.on(HeadObjectCommand).resolves({ ContentLength: zip.length, ETag: '"v1"' });
  s3Mock.on(GetObjectCommand).callsFake((input: { Range?: string; IfMatch?: string }) => {
    gets.push(input.Range);
    const match = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '');
    if (!match || options.honourRange === false) return { Body: s3Body(zip) };
    const start = Number(match[1]);
    const end = Number(match[2]) + 1;
    return {
      Body: s3Body(zip.subarray(start, end)),
      ContentRange: `bytes ${start}-${end - 1}/${zip.length}`,
    };
  });
  const { context } = artifactContext(options.limits ? { limits: options.limits } : {});
  return { artifact: new JobArtifacts(context).input(), gets };
}

const bigZip = buildZip([
  { name: 'config/settings.json', data: Buffer.from('\uFEFF{"threshold": 4}') },
  { name: 'noise.bin', data: randomBytes(3 * 1024 * 1024), method: 0 },
  { name: 'broken.json', data: Buffer.from('{not json') },
]);

describe('Class: InputArtifact', () => {
  afterEach(() => {
    s3Mock.reset();
  });

  it('reads a large artifact with ranged GETs pinned to the first ETag', async () => {
    // Prepare
    const { artifact, gets } = serve(bigZip);

    // Act
    const settings = await artifact.json<{ threshold: number }>('config/settings.json');

    // Assess
    expect(settings.threshold).toBe(4);
    expect(gets.length).toBeGreaterThan(0);
    expect(gets.every((range) => range !== undefined)).toBe(true);
    expect(
      s3Mock.commandCalls(GetObjectCommand).every((call) => call.args[0].input.IfMatch === '"v1"'),
    ).toBe(true);
  });

  it('still reads correctly from a server that ignores Range', async () => {
    // Prepare
    const { artifact } = serve(bigZip, { honourRange: false });

    // Act
    const text = await artifact.text('config/settings.json');

    // Assess
    expect(text).toBe('{"threshold": 4}');
  });

  it('names the artifact, the path and close matches when a file is missing', async () => {
    // Prepare
    const { artifact } = serve(bigZip);

    // Act
    const error = await artifact.read('settings.json').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toBe(
      'Artifact "BuildOutput" has no file "settings.json"; did you mean "config/settings.json"? (it has 3 files)',
    );
  });

  it('reports invalid JSON naming the file', async () => {
    // Prepare
    const { artifact } = serve(bigZip);

    // Act
    const error = await artifact.json('broken.json').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toMatch(
      /^File "broken.json" in artifact "BuildOutput" is not valid JSON/,
    );
  });

  it('refuses a path that climbs out of the archive as a ConfigurationError', async () => {
    // Prepare
    const { artifact } = serve(bigZip);

    // Act
    const error = await artifact.read('../etc/passwd').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('"../etc/passwd"');
  });

  it('refuses to download into memory more than maxReadBytes', async () => {
    // Prepare
    const { artifact } = serve(bigZip, { limits: { maxReadBytes: 1024 * 1024 } });

    // Act
    const error = await artifact.download().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toContain('limits.maxReadBytes');
  });

  it('downloads a large artifact in one GET when it fits the limit', async () => {
    // Prepare
    const { artifact } = serve(bigZip);

    // Act
    const raw = await artifact.download();

    // Assess
    expect(raw.equals(bigZip)).toBe(true);
  });

  it('refuses to read into memory an entry bigger than maxReadBytes but streams it', async () => {
    // Prepare
    const { artifact } = serve(bigZip, { limits: { maxReadBytes: 1024 * 1024 } });

    // Act
    const error = await artifact.read('noise.bin').catch((caught: unknown) => caught);
    let streamed = 0;
    for await (const chunk of await artifact.stream('noise.bin'))
      streamed += (chunk as Buffer).length;

    // Assess
    expect((error as Error).message).toContain('"noise.bin"');
    expect(streamed).toBe(3 * 1024 * 1024);
  });

  it('refuses to read a directory entry', async () => {
    // Prepare
    const { artifact } = serve(
      buildZip([
        { name: 'dir/', method: 0 },
        { name: 'dir/a.txt', data: Buffer.from('a') },
      ]),
    );

    // Act
    const error = await artifact.read('dir/').catch((caught: unknown) => caught);

    // Assess
    expect((error as Error).message).toContain('it is a directory');
    expect(await artifact.has('dir')).toBe(true);
  });
});

import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { type ArtifactLimits, JobArtifacts } from '../../../src/artifacts/index.js';
import { ConfigurationError, JobFailedError } from '../../../src/errors.js';
import { buildZip } from '../../fixtures/hostile-zips/raw-zip.js';
import { artifactContext, s3Body, s3Error } from '../../helpers/artifact-context.js';

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
    const range = /^bytes=(\d*)-(\d*)$/.exec(input.Range ?? '');
    if (!range || options.honourRange === false) {
      return { Body: s3Body(zip), ContentLength: zip.length, ETag: '"v1"' };
    }
    // `bytes=-N` is the last N bytes; `bytes=a-b` bytes a to b.
    const start = range[1] === '' ? Math.max(0, zip.length - Number(range[2])) : Number(range[1]);
    const end = range[1] === '' ? zip.length : Number(range[2]) + 1;
    return {
      Body: s3Body(zip.subarray(start, end)),
      ContentRange: `bytes ${start}-${end - 1}/${zip.length}`,
      ETag: '"v1"',
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
    // No HEAD: the first GET is the archive's tail and tells the size and the ETag,
    // which pins every GET after it.
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(gets[0]).toBe('bytes=-65577');
    const [first, ...rest] = s3Mock.commandCalls(GetObjectCommand);
    expect(first?.args[0].input.IfMatch).toBeUndefined();
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.every((call) => call.args[0].input.IfMatch === '"v1"')).toBe(true);
  });

  it('reads an archive smaller than the tail in one GET, and no HEAD', async () => {
    // Prepare
    const small = buildZip([{ name: 'a.txt', data: Buffer.from('A') }]);
    const { artifact, gets } = serve(small);

    // Act
    const text = await artifact.text('a.txt');

    // Assess
    expect(text).toBe('A');
    expect(gets).toEqual(['bytes=-65577']);
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });

  it('reads an archive between the tail and 1 MiB in two GETs: the tail, then the rest', async () => {
    // Prepare
    const middle = buildZip([
      { name: 'a.txt', data: Buffer.from('A') },
      { name: 'noise.bin', data: randomBytes(300 * 1024), method: 0 },
    ]);
    const { artifact, gets } = serve(middle);

    // Act
    const text = await artifact.text('a.txt');
    const noise = await artifact.read('noise.bin');

    // Assess: the whole archive is in memory after two GETs, the second pinned.
    expect(text).toBe('A');
    expect(noise).toHaveLength(300 * 1024);
    expect(gets).toEqual(['bytes=-65577', `bytes=0-${middle.length - 65577 - 1}`]);
    expect(s3Mock.commandCalls(GetObjectCommand)[1]?.args[0].input.IfMatch).toBe('"v1"');
  });

  it('fetches the real tail from a server that reads a suffix range as the first bytes', async () => {
    // Prepare: what s3rver does with `bytes=-N`: bytes 0 to N, and says so.
    const gets: Array<string | undefined> = [];
    s3Mock.on(GetObjectCommand).callsFake((input: { Range?: string }) => {
      gets.push(input.Range);
      const suffix = /^bytes=-(\d+)$/.exec(input.Range ?? '');
      const range = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '');
      const start = suffix ? 0 : Number(range?.[1]);
      const end = suffix ? Number(suffix[1]) : Number(range?.[2]);
      return {
        Body: s3Body(bigZip.subarray(start, end + 1)),
        ContentRange: `bytes ${start}-${end}/${bigZip.length}`,
        ETag: '"v1"',
      };
    });
    const artifact = new JobArtifacts(artifactContext().context).input();

    // Act
    const settings = await artifact.json<{ threshold: number }>('config/settings.json');

    // Assess
    expect(settings.threshold).toBe(4);
    expect(gets[1]).toBe(`bytes=${bigZip.length - 65577}-${bigZip.length - 1}`);
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });

  it('asks for the size with a HEAD only when a whole body comes without one', async () => {
    // Prepare: Range ignored and no Content-Length: the body is more than a small object.
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: bigZip.length, ETag: '"v1"' });
    s3Mock.on(GetObjectCommand).callsFake((input: { Range?: string }) => {
      const range = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '');
      if (!range) return { Body: s3Body(bigZip) };
      const start = Number(range[1]);
      const end = Number(range[2]);
      return {
        Body: s3Body(bigZip.subarray(start, end + 1)),
        ContentRange: `bytes ${start}-${end}/${bigZip.length}`,
      };
    });
    const artifact = new JobArtifacts(artifactContext().context).input();

    // Act
    const text = await artifact.text('config/settings.json');

    // Assess
    expect(text).toBe('{"threshold": 4}');
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(1);
  });

  it('reads an empty object (S3 refuses its range) as an archive that is not a zip', async () => {
    // Prepare
    s3Mock
      .on(GetObjectCommand)
      .rejects(s3Error('InvalidRange', 416, 'The requested range is not satisfiable'));
    const artifact = new JobArtifacts(artifactContext().context).input();

    // Act
    const error = await artifact.read('a.txt').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toMatch(/is not a readable zip archive/);
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
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

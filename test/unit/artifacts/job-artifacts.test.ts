import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobArtifacts } from '../../../src/artifacts/index.js';
import { loadS3Module } from '../../../src/artifacts/s3-client.js';
import { ConfigurationError } from '../../../src/errors.js';
import { buildZip } from '../../fixtures/hostile-zips/raw-zip.js';
import { artifactContext, artifactRef, s3Body } from '../../helpers/artifact-context.js';

const s3Mock = mockClient(S3Client);
const repoRoot = path.resolve(import.meta.dirname, '../../..');

describe('Class: JobArtifacts', () => {
  afterEach(() => {
    s3Mock.reset();
  });

  describe('Method: input', () => {
    it('returns the only input when no name is given', () => {
      // Prepare
      const { context } = artifactContext();

      // Act
      const artifact = new JobArtifacts(context).input();

      // Assess
      expect(artifact.name).toBe('BuildOutput');
      expect(artifact.bucket).toBe('artifact-bucket');
      expect(artifact.key).toBe('pipeline/BuildOutput/abc123.zip');
    });

    it('returns the same artifact for the same name', () => {
      // Prepare
      const artifacts = new JobArtifacts(artifactContext().context);

      // Act & Assess
      expect(artifacts.input('BuildOutput')).toBe(artifacts.input());
    });

    it('refuses an unknown name, listing the names there are', () => {
      // Prepare
      const { context } = artifactContext({
        inputs: [artifactRef('SourceOutput'), artifactRef('BuildOutput')],
      });

      // Act & Assess
      expect(() => new JobArtifacts(context).input('Missing')).toThrow(ConfigurationError);
      expect(() => new JobArtifacts(context).input('Missing')).toThrow(
        'The action has no input artifact named "Missing"; its input artifacts are "SourceOutput", "BuildOutput"',
      );
    });

    it('asks for a name when there is more than one input', () => {
      // Prepare
      const { context } = artifactContext({
        inputs: [artifactRef('SourceOutput'), artifactRef('BuildOutput')],
      });

      // Act & Assess
      expect(() => new JobArtifacts(context).input()).toThrow(
        /has 2 input artifacts \("SourceOutput", "BuildOutput"\); pass the name/,
      );
    });

    it('says the action has no input artifacts when there are none', () => {
      // Prepare
      const { context } = artifactContext({ inputs: [] });

      // Act
      const error = (() => {
        try {
          new JobArtifacts(context).input('BuildOutput');
        } catch (caught) {
          return caught;
        }
      })();

      // Assess
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('The action has no input artifacts');
    });
  });

  describe('Method: output', () => {
    it('refuses an unknown output name and an action without outputs', () => {
      // Prepare
      const withOutput = new JobArtifacts(artifactContext().context);
      const withoutOutput = new JobArtifacts(artifactContext({ outputs: [] }).context);

      // Act & Assess
      expect(withOutput.output('GateOutput').name).toBe('GateOutput');
      expect(() => withOutput.output('Other')).toThrow(/its output artifacts are "GateOutput"/);
      expect(() => withoutOutput.output()).toThrow('The action has no output artifacts');
    });
  });

  describe('Lazy S3 client', () => {
    it('builds no S3 client until an artifact is read, then exactly one per job', async () => {
      // Prepare
      const loadS3 = vi.fn(loadS3Module);
      s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 0 });
      const zip = buildZip([
        { name: 'a.txt', data: Buffer.from('A') },
        { name: 'b.txt', data: Buffer.from('B') },
      ]);
      s3Mock.on(HeadObjectCommand).resolves({ ContentLength: zip.length });
      s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: s3Body(zip) }));

      // Act
      const artifacts = new JobArtifacts(
        artifactContext({ inputs: [artifactRef('One'), artifactRef('Two')] }).context,
        { loadS3 },
      );
      artifacts.input('One');
      artifacts.output();
      const callsBeforeRead = loadS3.mock.calls.length;
      await Promise.all([
        artifacts.input('One').text('a.txt'),
        artifacts.input('Two').text('b.txt'),
      ]);

      // Assess
      expect(callsBeforeRead).toBe(0);
      expect(loadS3).toHaveBeenCalledTimes(1);
    });

    it('does not load the S3, STS or lib-storage modules when constructed (fresh process)', async () => {
      // Prepare: a child process records every module resolution
      const script = `
        import { registerHooks } from 'node:module';
        const seen = new Set();
        registerHooks({ resolve(specifier, context, next) { seen.add(specifier); return next(specifier, context); } });
        const { JobArtifacts } = await import('./src/artifacts/index.ts');
        const { Redactor } = await import('./src/redact.ts');
        const redactor = new Redactor();
        const logger = { debug() {}, info() {}, warn() {}, error() {} };
        const ref = { name: 'In', revision: undefined, bucket: 'b', key: 'k' };
        const artifacts = new JobArtifacts({ jobId: 'j', credentials: { accessKeyId: 'AKIAX', secretAccessKey: 'secretsecret', sessionToken: 'tokentoken' }, encryptionKey: undefined, inputs: [ref], outputs: [ref], logger, redactor });
        artifacts.input(); artifacts.output();
        const before = ['@aws-sdk/client-s3', '@aws-sdk/client-sts', '@aws-sdk/lib-storage', 'jszip'].filter((name) => seen.has(name));
        await import('@aws-sdk/client-s3');
        console.log(JSON.stringify({ before, afterImport: seen.has('@aws-sdk/client-s3') }));
      `;

      // Act
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: repoRoot },
      );

      // Assess
      const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
      expect(result).toEqual({ before: [], afterImport: true });
    });

    it('has no static value import of the S3, STS or lib-storage SDKs reachable from src/index.ts', async () => {
      // Prepare: follow value imports (not `import type`) from the public entry points
      const entries = ['src/index.ts', 'src/artifacts/index.ts'].map((file) =>
        path.join(repoRoot, file),
      );
      const valueImport =
        /^\s*(?:import|export)\s+(?!type\b)(?:[^;'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
      const lazyOnly = /^@aws-sdk\/(?:client-s3|client-sts|lib-storage)$/;
      const visited = new Set<string>();
      const offenders: string[] = [];
      const queue = [...entries];

      // Act
      while (queue.length > 0) {
        const file = queue.pop() as string;
        if (visited.has(file)) continue;
        const source = await readFile(file, 'utf8').catch(() => undefined);
        if (source === undefined) continue;
        visited.add(file);
        for (const [, specifier = ''] of source.matchAll(valueImport)) {
          if (lazyOnly.test(specifier))
            offenders.push(`${path.relative(repoRoot, file)}: ${specifier}`);
          if (specifier.startsWith('.')) {
            queue.push(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
          }
        }
      }

      // Assess
      expect(visited.size).toBeGreaterThan(10);
      expect(offenders).toEqual([]);
    });
  });
});

/**
 * The pipeline's artifact store, locally: a bucket in the embedded S3 that refuses
 * writes without SSE-KMS (like the example template's bucket policy), artifact keys
 * shaped like CodePipeline's (`<pipeline>/<artifact>/<random>`), and the zip handling
 * on both ends: folders are zipped on the way in, output zips extracted on the way out.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ExtractResult } from '../../artifacts/archive-info.js';
import { BufferSource } from '../../artifacts/byte-source.js';
import { extractArchive } from '../../artifacts/extract.js';
import { DEFAULT_ARTIFACT_LIMITS } from '../../artifacts/limits.js';
import { zipBuffer } from '../../artifacts/zip-buffer.js';
import { ZipArchive } from '../../artifacts/zip-reader.js';
import { fakeArtifactCredentials } from '../../testing/fake-credentials.js';
import type { LocalEnvironment } from '../environment.js';
import type { LocalArtifact, LocalArtifactCredentials } from '../job-api/index.js';

export const ARTIFACT_BUCKET = 'codepipeline-local-artifacts';

/** Zips a folder's files (paths relative to it, `/`-separated); symlinks are skipped. */
export async function zipDirectory(directory: string): Promise<{ zip: Buffer; files: number }> {
  const contents: Record<string, Buffer> = {};
  let files = 0;
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        contents[relative(directory, path).split(sep).join('/')] = await readFile(path);
        files++;
      }
    }
  };
  await walk(directory);
  return { zip: await zipBuffer(contents, directory), files };
}

/** A folder (zipped) or a .zip file (as is): what an input artifact is made from. */
export async function artifactBody(
  path: string,
  shown = path,
): Promise<{ zip: Buffer; description: string }> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats?.isDirectory()) {
    const { zip, files } = await zipDirectory(path);
    return {
      zip,
      description: `${shown} (folder, ${files} file${files === 1 ? '' : 's'}, zipped)`,
    };
  }
  if (stats?.isFile()) return { zip: await readFile(path), description: `${shown} (zip, as is)` };
  throw new Error(`${path} is neither a folder nor a file`);
}

/** CodePipeline truncates the pipeline and artifact names in keys to 20 characters. */
function keyPrefix(pipelineName: string, artifactName: string): string {
  const clean = (name: string) => name.replace(/[^\w.-]/g, '-').slice(0, 20);
  return `${clean(pipelineName)}/${clean(artifactName)}`;
}

export class LocalArtifactStore {
  readonly bucket = ARTIFACT_BUCKET;
  readonly encryptionKeyId: string;
  readonly #local: LocalEnvironment;
  readonly #pipelineName: string;

  private constructor(local: LocalEnvironment, pipelineName: string) {
    this.#local = local;
    this.#pipelineName = pipelineName;
    this.encryptionKeyId = `arn:aws:kms:${local.region}:${local.accountId}:key/${randomUUID()}`;
  }

  static async create(local: LocalEnvironment, pipelineName: string): Promise<LocalArtifactStore> {
    await local.s3.createBucket(ARTIFACT_BUCKET, { requireSseKms: true });
    return new LocalArtifactStore(local, pipelineName);
  }

  /** Invented session credentials, new for each job as CodePipeline's are. */
  credentials(): LocalArtifactCredentials {
    return fakeArtifactCredentials();
  }

  /** Where an action's output artifact will be written. */
  slot(name: string): LocalArtifact {
    const suffix = randomBytes(4).toString('hex');
    return { name, bucket: this.bucket, key: `${keyPrefix(this.#pipelineName, name)}/${suffix}` };
  }

  async upload(name: string, zip: Uint8Array): Promise<LocalArtifact> {
    const artifact = this.slot(name);
    await this.#local.s3.putObject(artifact.bucket, artifact.key, zip, {
      sseKmsKeyId: this.encryptionKeyId,
    });
    return artifact;
  }

  /** The artifact's zip, or undefined when the handler never wrote it. */
  async download(artifact: LocalArtifact): Promise<Buffer | undefined> {
    try {
      return await this.#local.s3.getObject(artifact.bucket, artifact.key);
    } catch {
      return undefined;
    }
  }
}

/** Replaces `directory` with the zip's contents, with the framework's extraction checks. */
export async function extractZip(
  zip: Buffer,
  name: string,
  directory: string,
): Promise<ExtractResult> {
  await rm(directory, { recursive: true, force: true });
  const archive = await ZipArchive.open(new BufferSource(zip), name, DEFAULT_ARTIFACT_LIMITS);
  return extractArchive(archive, directory, DEFAULT_ARTIFACT_LIMITS);
}

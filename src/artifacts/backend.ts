/**
 * What `JobArtifacts` (index.ts) loads on a job's first artifact call: the S3 objects,
 * the readers and writers, error mapping and AssumeRole. Kept out of the engine's
 * static imports so a cold start loads none of it; a gate that never touches an
 * artifact never loads it at all. Constructing it still loads no SDK client.
 */
import type { ArtifactRef } from '../event.js';
import { type AssumeRoleOptions, type AwsCredentials, RoleAssumer } from './assume-role.js';
import { type IdentityLookup, lookupCallerIdentity } from './caller-identity.js';
import type { ArtifactContext, ArtifactInternals } from './index.js';
import { type InputArtifact, S3InputArtifact } from './input-artifact.js';
import { type ArtifactLimits, resolveLimits } from './limits.js';
import { type OutputArtifact, S3OutputArtifact } from './output-artifact.js';
import { LazyS3Client, loadS3Module } from './s3-client.js';
import { mapS3Error } from './s3-errors.js';
import { type ErrorMapper, S3Object } from './s3-object.js';

export class ArtifactBackend {
  readonly #context: ArtifactContext;
  readonly #clients: LazyS3Client;
  readonly #lookupIdentity: IdentityLookup;
  readonly #assumer: RoleAssumer;
  readonly #limits: ArtifactLimits;
  #artifactIdentity: Promise<string> | undefined;

  constructor(context: ArtifactContext, internals: ArtifactInternals = {}) {
    this.#context = context;
    const { clientSetup = {} } = internals;
    this.#clients = new LazyS3Client(
      context.credentials,
      internals.loadS3 ?? loadS3Module,
      clientSetup,
    );
    this.#lookupIdentity =
      internals.lookupIdentity ?? ((credentials) => lookupCallerIdentity(credentials, clientSetup));
    this.#assumer = new RoleAssumer(
      context.jobId,
      context.redactor,
      this.#lookupIdentity,
      clientSetup,
    );
    this.#limits = resolveLimits(context.limits);
  }

  input(ref: ArtifactRef): InputArtifact {
    return new S3InputArtifact(
      ref,
      new S3Object(this.#clients, ref, this.#errorMapper(ref)),
      this.#limits,
      this.#context.logger,
    );
  }

  output(ref: ArtifactRef): OutputArtifact {
    return new S3OutputArtifact({
      ref,
      clients: this.#clients,
      encryptionKey: this.#context.encryptionKey,
      mapError: this.#errorMapper(ref),
      logger: this.#context.logger,
    });
  }

  assumeRole(roleArn: string, options?: AssumeRoleOptions): Promise<AwsCredentials> {
    return this.#assumer.assumeRole(roleArn, options);
  }

  #errorMapper(ref: ArtifactRef): ErrorMapper {
    return (error, operation) =>
      mapS3Error(error, {
        operation,
        artifactName: ref.name,
        bucket: ref.bucket,
        key: ref.key,
        redactor: this.#context.redactor,
        describeIdentity: () => this.#describeArtifactIdentity(),
      });
  }

  /** Asked once per job, with the artifact credentials: they are what S3 denied. */
  #describeArtifactIdentity(): Promise<string> {
    const { accessKeyId, secretAccessKey, sessionToken } = this.#context.credentials;
    this.#artifactIdentity ??= this.#lookupIdentity({ accessKeyId, secretAccessKey, sessionToken });
    return this.#artifactIdentity;
  }
}

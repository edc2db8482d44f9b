/**
 * The artifacts of one job: inputs read from S3 with the job's artifact
 * credentials, outputs zipped and uploaded with SSE-KMS, and cross-account
 * credentials. The core's `Job` delegates `input()`, `output()` and `assumeRole()`
 * here. Constructing it loads no SDK client: a gate that never touches an artifact
 * pays nothing for this module.
 */
import { ConfigurationError } from '../errors.js';
import type { ArtifactCredentials, ArtifactRef, EncryptionKey } from '../event.js';
import type { JobLogger } from '../logger.js';
import type { Redactor } from '../redact.js';
import { type AssumeRoleOptions, type AwsCredentials, RoleAssumer } from './assume-role.js';
import { type IdentityLookup, lookupCallerIdentity } from './caller-identity.js';
import { type InputArtifact, S3InputArtifact } from './input-artifact.js';
import { type ArtifactLimits, resolveLimits } from './limits.js';
import { type OutputArtifact, S3OutputArtifact } from './output-artifact.js';
import { LazyS3Client, loadS3Module, type S3Module } from './s3-client.js';
import { mapS3Error } from './s3-errors.js';
import { type ErrorMapper, S3Object } from './s3-object.js';

export interface ArtifactContext {
  readonly jobId: string;
  readonly credentials: ArtifactCredentials;
  readonly encryptionKey: EncryptionKey | undefined;
  readonly inputs: readonly ArtifactRef[];
  readonly outputs: readonly ArtifactRef[];
  readonly logger: JobLogger;
  readonly redactor: Redactor;
  readonly limits?: Partial<ArtifactLimits>;
}

/** Seams for tests; production code never passes these. */
export interface ArtifactInternals {
  readonly loadS3?: () => Promise<S3Module>;
  readonly lookupIdentity?: IdentityLookup;
}

export class JobArtifacts {
  readonly #context: ArtifactContext;
  readonly #clients: LazyS3Client;
  readonly #lookupIdentity: IdentityLookup;
  readonly #assumer: RoleAssumer;
  readonly #inputs = new Map<string, InputArtifact>();
  readonly #outputs = new Map<string, OutputArtifact>();
  #limits: ArtifactLimits | undefined;
  #artifactIdentity: Promise<string> | undefined;

  constructor(context: ArtifactContext, internals: ArtifactInternals = {}) {
    this.#context = context;
    // Belt and braces: whatever registered the job's secrets, messages built here
    // from SDK errors must mask them.
    context.redactor.add(context.credentials.accessKeyId);
    context.redactor.add(context.credentials.secretAccessKey);
    context.redactor.add(context.credentials.sessionToken);
    this.#clients = new LazyS3Client(context.credentials, internals.loadS3 ?? loadS3Module);
    this.#lookupIdentity = internals.lookupIdentity ?? lookupCallerIdentity;
    this.#assumer = new RoleAssumer(context.jobId, context.redactor, this.#lookupIdentity);
  }

  /**
   * An input artifact by name; the name may be left out when the action has exactly
   * one. Unknown names are a ConfigurationError listing the names there are.
   */
  input(name?: string): InputArtifact {
    const ref = pickArtifact('input', this.#context.inputs, name);
    let artifact = this.#inputs.get(ref.name);
    if (!artifact) {
      artifact = new S3InputArtifact(
        ref,
        new S3Object(this.#clients, ref, this.#errorMapper(ref)),
        this.#resolvedLimits(),
        this.#context.logger,
      );
      this.#inputs.set(ref.name, artifact);
    }
    return artifact;
  }

  /** An output artifact by name (optional when the action has exactly one). */
  output(name?: string): OutputArtifact {
    const ref = pickArtifact('output', this.#context.outputs, name);
    let artifact = this.#outputs.get(ref.name);
    if (!artifact) {
      artifact = new S3OutputArtifact({
        ref,
        clients: this.#clients,
        encryptionKey: this.#context.encryptionKey,
        mapError: this.#errorMapper(ref),
        logger: this.#context.logger,
      });
      this.#outputs.set(ref.name, artifact);
    }
    return artifact;
  }

  /**
   * Credentials for a role in another account (STS AssumeRole), cached for this job
   * per role ARN and options. AssumeRole is called with the function's own
   * credentials (its execution role, from the SDK's default chain), so that role
   * needs `sts:AssumeRole` on `roleArn` and the target role must trust it.
   */
  assumeRole(roleArn: string, options?: AssumeRoleOptions): Promise<AwsCredentials> {
    return this.#assumer.assumeRole(roleArn, options);
  }

  #resolvedLimits(): ArtifactLimits {
    this.#limits ??= resolveLimits(this.#context.limits);
    return this.#limits;
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

function pickArtifact(
  kind: 'input' | 'output',
  refs: readonly ArtifactRef[],
  name: string | undefined,
): ArtifactRef {
  const names = refs.map((ref) => `"${ref.name}"`).join(', ');
  if (refs.length === 0) {
    throw new ConfigurationError(
      `The action has no ${kind} artifacts${name === undefined ? '' : ` (asked for "${name}")`}; add one to the action in the pipeline`,
    );
  }
  if (name === undefined) {
    if (refs.length === 1 && refs[0]) return refs[0];
    throw new ConfigurationError(
      `The action has ${refs.length} ${kind} artifacts (${names}); pass the name of the one you want`,
    );
  }
  const ref = refs.find((candidate) => candidate.name === name);
  if (!ref) {
    throw new ConfigurationError(
      `The action has no ${kind} artifact named "${name}"; its ${kind} artifacts are ${names}`,
    );
  }
  return ref;
}

export type { AssumeRoleOptions, AwsCredentials } from './assume-role.js';
export type { ExtractResult } from './extract.js';
export type { InputArtifact } from './input-artifact.js';
export type { ArtifactLimits } from './limits.js';
export { DEFAULT_ARTIFACT_LIMITS, resolveLimits } from './limits.js';
export type { OutputArtifact, OutputFiles, OutputWriteResult } from './output-artifact.js';
export type { ZipEntryInfo } from './zip-reader.js';

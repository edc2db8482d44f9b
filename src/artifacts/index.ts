/**
 * The artifacts of one job: inputs read from S3 with the job's artifact
 * credentials, outputs zipped and uploaded with SSE-KMS, and cross-account
 * credentials. The core's `Job` delegates `input()`, `output()` and `assumeRole()`
 * here. This module is all the engine loads at init: names are checked here, and
 * the code that does the work (backend.ts) is imported with the first artifact call,
 * so a gate that never touches an artifact pays nothing for it.
 */
import type { JobClientSetup } from '../clients.js';
import { ConfigurationError } from '../errors.js';
import type { ArtifactCredentials, ArtifactRef, EncryptionKey } from '../event.js';
import type { JobLogger } from '../logger.js';
import type { Redactor } from '../redact.js';
import type { AssumeRoleOptions, AwsCredentials } from './assume-role.js';
import type { ArtifactBackend } from './backend.js';
import type { IdentityLookup } from './caller-identity.js';
import { DeferredInputArtifact, DeferredOutputArtifact } from './deferred-artifacts.js';
import type { InputArtifact } from './input-artifact.js';
import type { ArtifactLimits } from './limits.js';
import type { OutputArtifact } from './output-artifact.js';
import type { S3Module } from './s3-client.js';

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

/** Seams for tests and the testing kit; a Lambda invocation never passes these. */
export interface ArtifactInternals {
  readonly loadS3?: () => Promise<S3Module>;
  readonly lookupIdentity?: IdentityLookup;
  /** How the job's S3 and STS clients are built under a harness (the testing kit's endpoints). */
  readonly clientSetup?: JobClientSetup;
}

export class JobArtifacts {
  readonly #context: ArtifactContext;
  readonly #internals: ArtifactInternals;
  readonly #inputs = new Map<string, InputArtifact>();
  readonly #outputs = new Map<string, OutputArtifact>();
  #backend: Promise<ArtifactBackend> | undefined;

  constructor(context: ArtifactContext, internals: ArtifactInternals = {}) {
    this.#context = context;
    this.#internals = internals;
    // Belt and braces: whatever registered the job's secrets, messages built from SDK
    // errors must mask them.
    context.redactor.add(context.credentials.accessKeyId);
    context.redactor.add(context.credentials.secretAccessKey);
    context.redactor.add(context.credentials.sessionToken);
  }

  /**
   * An input artifact by name; the name may be left out when the action has exactly
   * one. Unknown names are a ConfigurationError listing the names there are.
   */
  input(name?: string): InputArtifact {
    const ref = pickArtifact('input', this.#context.inputs, name);
    let artifact = this.#inputs.get(ref.name);
    if (!artifact) {
      artifact = new DeferredInputArtifact(ref, async () => (await this.#load()).input(ref));
      this.#inputs.set(ref.name, artifact);
    }
    return artifact;
  }

  /** An output artifact by name (optional when the action has exactly one). */
  output(name?: string): OutputArtifact {
    const ref = pickArtifact('output', this.#context.outputs, name);
    let artifact = this.#outputs.get(ref.name);
    if (!artifact) {
      artifact = new DeferredOutputArtifact(ref, async () => (await this.#load()).output(ref));
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
  async assumeRole(roleArn: string, options?: AssumeRoleOptions): Promise<AwsCredentials> {
    return (await this.#load()).assumeRole(roleArn, options);
  }

  #load(): Promise<ArtifactBackend> {
    this.#backend ??= import('./backend.js').then(
      ({ ArtifactBackend }) => new ArtifactBackend(this.#context, this.#internals),
    );
    return this.#backend;
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

export type { ExtractResult, ZipEntryInfo } from './archive-info.js';
export type { AssumeRoleOptions, AwsCredentials } from './assume-role.js';
export type { InputArtifact } from './input-artifact.js';
export type { ArtifactLimits } from './limits.js';
export { DEFAULT_ARTIFACT_LIMITS, resolveLimits } from './limits.js';
export type { OutputArtifact, OutputFiles, OutputWriteResult } from './output-artifact.js';

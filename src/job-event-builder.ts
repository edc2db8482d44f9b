/**
 * The one place a `CodePipeline.job` event is put together, in the shape CodePipeline
 * sends it to an Invoke action. The testing kit's `jobEvent` and the embedded job API's
 * job store both build their events here, so a test event and a local run's event
 * cannot drift apart (defaults included).
 */
import { randomUUID } from 'node:crypto';
import { JOB_EVENT_KEY, type JobEvent } from './event.js';

/**
 * The account id of events that name none: the one the AWS documentation uses in its
 * examples, also the local STS's account.
 */
export const DEFAULT_ACCOUNT_ID = '123456789012';

/** Where one artifact of the event lives in the artifact store. */
export interface EventArtifact {
  readonly name: string;
  readonly bucket: string;
  readonly key: string;
  /** @default null, as CodePipeline sends for output artifacts */
  readonly revision?: string | null;
}

/** Everything an event carries; only the job's configuration and credentials are required. */
export interface JobEventParts {
  /** @default a fresh UUID, as CodePipeline uses */
  readonly jobId?: string;
  /** @default DEFAULT_ACCOUNT_ID */
  readonly accountId?: string;
  readonly functionName: string;
  /** `UserParameters`, passed as is; undefined leaves it out. */
  readonly userParameters?: string;
  readonly inputArtifacts?: readonly EventArtifact[];
  readonly outputArtifacts?: readonly EventArtifact[];
  readonly artifactCredentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken: string;
    /** Epoch milliseconds. */
    readonly expirationTime: number;
  };
  readonly continuationToken?: string;
  /** The artifact store's KMS key, sent as `{ id, type: 'KMS' }`. */
  readonly encryptionKeyId?: string;
}

function eventArtifact(artifact: EventArtifact) {
  return {
    name: artifact.name,
    revision: artifact.revision ?? null,
    location: {
      type: 'S3' as const,
      s3Location: { bucketName: artifact.bucket, objectKey: artifact.key },
    },
  };
}

/** A `CodePipeline.job` event from its parts. */
export function buildJobEvent(parts: JobEventParts): JobEvent {
  const configuration: { FunctionName: string; UserParameters?: string } = {
    FunctionName: parts.functionName,
  };
  if (parts.userParameters !== undefined) configuration.UserParameters = parts.userParameters;
  const credentials = parts.artifactCredentials;
  return {
    [JOB_EVENT_KEY]: {
      id: parts.jobId ?? randomUUID(),
      accountId: parts.accountId ?? DEFAULT_ACCOUNT_ID,
      data: {
        actionConfiguration: { configuration },
        inputArtifacts: (parts.inputArtifacts ?? []).map(eventArtifact),
        outputArtifacts: (parts.outputArtifacts ?? []).map(eventArtifact),
        artifactCredentials: {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          sessionToken: credentials.sessionToken,
          expirationTime: credentials.expirationTime,
        },
        ...(parts.continuationToken !== undefined
          ? { continuationToken: parts.continuationToken }
          : {}),
        ...(parts.encryptionKeyId !== undefined
          ? { encryptionKey: { id: parts.encryptionKeyId, type: 'KMS' } }
          : {}),
      },
    },
  };
}

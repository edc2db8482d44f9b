/**
 * What the baselines get to work with, as a handler without the framework would: the
 * artifact's bucket and key and the pipeline's credentials for it, and a plain SDK
 * S3 client built from those credentials.
 */
import { S3Client } from '@aws-sdk/client-s3';

export interface ArtifactLocation {
  readonly bucket: string;
  readonly key: string;
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken: string;
  };
}

export function artifactS3Client(location: ArtifactLocation): S3Client {
  // forcePathStyle: the loopback S3 has no virtual-hosted bucket DNS (ours sets it too).
  return new S3Client({ credentials: location.credentials, forcePathStyle: true });
}

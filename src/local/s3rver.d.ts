// s3rver ships no types; only the part the embedded S3 uses is declared.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    vhostBuckets?: boolean;
    allowMismatchedSignatures?: boolean;
    resetOnClose?: boolean;
  }

  /** s3rver's filesystem store (lib/stores/filesystem.js). */
  interface FilesystemStore {
    /** Where a stored object's `resource` ('object', 'metadata.json', ...) lives on disk. */
    getResourcePath(bucket: string, key: string, resource: string): string;
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    readonly store: FilesystemStore;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }

  export default S3rver;
}

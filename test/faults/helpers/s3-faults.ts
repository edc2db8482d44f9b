/**
 * Faults on the S3 calls the artifact API makes, keyed by object key so many jobs can
 * run at once against one server, each with its own fault. The artifact API makes
 * two kinds of call: the tail GetObject (a suffix range, `bytes=-N`: the archive's
 * end, which also tells the size; an archive smaller than the tail comes whole) and
 * ranged GetObjects (bigger objects: the rest of the directory, then the entries read).
 */
import type {
  EmbeddedS3,
  InterceptedS3Response,
  S3Interceptor,
} from '../../../src/local/embedded-s3.js';

export type S3Call = 'tail GetObject' | 'ranged GetObject';

export interface S3Fault {
  readonly call: S3Call;
  readonly response: InterceptedS3Response;
  /** `once`: the first matching call only (the SDK's retry should recover); `always`: every one. */
  readonly times: 'once' | 'always';
}

function callOf(method: string, key: string | undefined, range: unknown): S3Call | undefined {
  if (key === undefined || method !== 'GET' || typeof range !== 'string') return undefined;
  return /^bytes=-\d+$/.test(range) ? 'tail GetObject' : 'ranged GetObject';
}

/** Installs one interceptor on `server` that applies the fault registered for each key. */
export function installS3Faults(server: EmbeddedS3) {
  const faults = new Map<string, { fault: S3Fault; hits: number }>();
  const interceptor: S3Interceptor = (request) => {
    const planned = request.key === undefined ? undefined : faults.get(request.key);
    if (!planned) return undefined;
    if (callOf(request.method, request.key, request.headers.range) !== planned.fault.call) {
      return undefined;
    }
    planned.hits++;
    if (planned.fault.times === 'once' && planned.hits > 1) return undefined;
    return planned.fault.response;
  };
  server.intercept(interceptor);
  return {
    add(key: string, fault: S3Fault) {
      faults.set(key, { fault, hits: 0 });
    },
    /** How many calls of the faulted kind reached the server for `key`. */
    hits(key: string): number {
      return faults.get(key)?.hits ?? 0;
    },
  };
}

export type S3Faults = ReturnType<typeof installS3Faults>;

/** Sets environment variables for a test file and restores them afterwards. */
export function setEnv(values: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  const apply = (next: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(next)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(values);
  return () => apply(saved);
}

/**
 * Loopback only: S3 and STS endpoints on 127.0.0.1, a region, invented "own"
 * credentials for the default chain, and no instance metadata lookups.
 */
export function loopbackAwsEnv(
  s3Endpoint: string,
  stsEndpoint: string,
): Record<string, string | undefined> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    AWS_ENDPOINT_URL_STS: stsEndpoint,
    AWS_ENDPOINT_URL: undefined,
    AWS_ACCESS_KEY_ID: 'AKIAFUNCTIONOWNKEY',
    AWS_SECRET_ACCESS_KEY: 'function-own-secret',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  };
}

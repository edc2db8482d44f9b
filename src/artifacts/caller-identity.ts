/**
 * Who a set of credentials belongs to, for permission error messages: "AccessDenied"
 * alone sends people looking at the wrong role. Best effort and short: it only
 * improves a message that is reported anyway.
 */
import type { AwsCredentials } from './assume-role.js';

export type IdentityLookup = (credentials: AwsCredentials | undefined) => Promise<string>;

const LOOKUP_TIMEOUT_MS = 3_000;

/**
 * The ARN STS `GetCallerIdentity` returns for `credentials` (or for the function's own
 * credentials when undefined), or a sentence saying it could not be determined.
 * `adoptClient` receives the STS client before its call (the testing kit fakes it).
 */
export async function lookupCallerIdentity(
  credentials: AwsCredentials | undefined,
  adoptClient?: (client: object) => void,
): Promise<string> {
  try {
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const client = new STSClient({
      ...(credentials ? { credentials } : {}),
      maxAttempts: 2,
      requestHandler: { connectionTimeout: LOOKUP_TIMEOUT_MS, requestTimeout: LOOKUP_TIMEOUT_MS },
    });
    adoptClient?.(client);
    try {
      const identity = await client.send(new GetCallerIdentityCommand({}));
      return identity.Arn ? describeArn(identity.Arn) : 'an identity STS did not name';
    } finally {
      client.destroy();
    }
  } catch {
    return 'a role that could not be determined (STS GetCallerIdentity failed)';
  }
}

/** `arn:aws:sts::1:assumed-role/Name/session` reads better as "role Name (arn...)". */
export function describeArn(arn: string): string {
  const assumed = /^arn:[\w-]+:sts::\d+:assumed-role\/([^/]+)\//.exec(arn);
  if (assumed?.[1]) return `role ${assumed[1]} (${arn})`;
  const role = /^arn:[\w-]+:iam::\d+:role\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (role?.[1]) return `role ${role[1]} (${arn})`;
  return arn;
}

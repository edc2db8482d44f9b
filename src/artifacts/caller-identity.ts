/**
 * Who a set of credentials belongs to, for permission error messages: "AccessDenied"
 * alone sends people looking at the wrong role. Best effort and short: it only
 * improves a message that is reported anyway.
 */
import type { JobClientSetup } from '../clients.js';
import type { AwsCredentials } from './assume-role.js';

export type IdentityLookup = (credentials: AwsCredentials | undefined) => Promise<string>;

const LOOKUP_TIMEOUT_MS = 3_000;

/**
 * The ARN STS `GetCallerIdentity` returns for `credentials` (or for the function's own
 * credentials when undefined), or a sentence saying it could not be determined.
 * `setup` is a harness's (the testing kit's): its STS endpoint, and `adoptClient`.
 */
export async function lookupCallerIdentity(
  credentials: AwsCredentials | undefined,
  setup: JobClientSetup = {},
): Promise<string> {
  try {
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const { endpoints } = setup;
    const signWith = credentials ?? endpoints?.functionCredentials;
    const client = new STSClient({
      ...(signWith ? { credentials: signWith } : {}),
      ...(endpoints ? { endpoint: endpoints.sts } : {}),
      maxAttempts: 2,
      requestHandler: { connectionTimeout: LOOKUP_TIMEOUT_MS, requestTimeout: LOOKUP_TIMEOUT_MS },
    });
    setup.adoptClient?.(client);
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

import { randomBytes } from 'node:crypto';

/** Temporary session credentials shaped like the ones CodePipeline hands a job. */
export interface FakeCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export type FakeCredentialField = keyof FakeCredentials;

/**
 * Every invented credential carries a canary word for its field, so a secret scan can
 * recognise one in any output, including a child process's or a fragment of one. The
 * values keep the real shapes (an `ASIA` key id of 20 characters, a 40-character
 * base64 secret, a long base64 session token), so they exercise the same code paths.
 */
export const FAKE_CREDENTIAL_CANARIES: Readonly<Record<FakeCredentialField, string>> = {
  accessKeyId: 'ASIACANARY',
  secretAccessKey: 'CanarySecret',
  sessionToken: 'CanaryToken',
};

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const FIELDS = Object.keys(FAKE_CREDENTIAL_CANARIES) as FakeCredentialField[];

/**
 * Issued values, so a scan in the same process can tell an exact leak from a fragment.
 * Bounded: a long local session or a fuzz run must not grow it without end.
 */
const issued = new Map<string, FakeCredentialField>();
const MAX_ISSUED_VALUES = 150_000;

function remember(credentials: FakeCredentials): void {
  for (const field of FIELDS) issued.set(credentials[field], field);
  while (issued.size > MAX_ISSUED_VALUES) {
    const oldest = issued.keys().next().value;
    if (oldest === undefined) break;
    issued.delete(oldest);
  }
}

/**
 * Invented artifact credentials, new on every call as CodePipeline's are per job.
 * Used by the testing kit and the local runner: the fake and embedded S3 accept any
 * key, and the canary words let tests prove the secrets never leak.
 */
export function fakeArtifactCredentials(): FakeCredentials {
  const base32 = (length: number) =>
    Array.from(randomBytes(length), (byte) => BASE32[byte % BASE32.length]).join('');
  const credentials = {
    accessKeyId: `${FAKE_CREDENTIAL_CANARIES.accessKeyId}${base32(10)}`,
    secretAccessKey: `${FAKE_CREDENTIAL_CANARIES.secretAccessKey}${randomBytes(21).toString('base64')}`,
    sessionToken: `FwoGZXIvYXdzE${FAKE_CREDENTIAL_CANARIES.sessionToken}${randomBytes(90).toString('base64')}`,
  };
  remember(credentials);
  return credentials;
}

/** Which field `value` was issued as by `fakeArtifactCredentials` in this process, if any. */
export function issuedFakeCredentialField(value: string): FakeCredentialField | undefined {
  return issued.get(value);
}

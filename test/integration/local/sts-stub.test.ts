import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type StsStubOptions, startStsStub } from '../../../src/local/sts-stub.js';
import { DUMMY_CREDENTIALS } from '../../helpers/local-clients.js';

async function sts(options: StsStubOptions = {}) {
  const stub = await startStsStub(options);
  const client = new STSClient({
    endpoint: stub.endpoint,
    region: 'us-east-1',
    credentials: DUMMY_CREDENTIALS,
    maxAttempts: 1,
  });
  onTestFinished(async () => {
    client.destroy();
    await stub.close();
  });
  return { stub, client };
}

describe('Function: startStsStub', () => {
  it('names the caller it was given, and records each call', async () => {
    // Prepare
    const callerArn = 'arn:aws:sts::123456789012:assumed-role/PipelineRole/session';
    const { stub, client } = await sts({ callerArn });

    // Act
    const identity = await client.send(new GetCallerIdentityCommand({}));

    // Assess
    expect(identity.Arn).toBe(callerArn);
    expect(identity.Account).toBe('123456789012');
    expect(stub.calls.map((call) => call.Action)).toEqual(['GetCallerIdentity']);
  });

  it('fails an action while asked to, then serves it again', async () => {
    // Prepare
    const { stub, client } = await sts();
    const assume = () =>
      client.send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::210987654321:role/Target',
          RoleSessionName: 'test-session',
        }),
      );

    // Act
    stub.failAction('AssumeRole');
    const failed = await assume().catch((error: Error) => error.name);
    stub.failAction('AssumeRole', false);
    const assumed = await assume();

    // Assess
    expect(failed).toBe('InternalFailure');
    expect(assumed.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::210987654321:assumed-role/Target/test-session',
    );
    expect(stub.calls.at(-1)).toMatchObject({
      Action: 'AssumeRole',
      RoleSessionName: 'test-session',
    });
  });
});

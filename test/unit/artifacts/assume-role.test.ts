import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionNameFor } from '../../../src/artifacts/assume-role.js';
import { JobArtifacts } from '../../../src/artifacts/index.js';
import {
  ConfigurationError,
  PermissionError,
  SystemUnavailableError,
} from '../../../src/errors.js';
import { Redactor } from '../../../src/redact.js';
import { artifactContext, JOB_ID } from '../../helpers/artifact-context.js';

const stsMock = mockClient(STSClient);
const ROLE = 'arn:aws:iam::210987654321:role/DeployTarget';

function credentialsResponse(suffix: string, expiresInMs = 3_600_000) {
  return {
    Credentials: {
      AccessKeyId: `ASIA${suffix}`,
      SecretAccessKey: `assumed-secret-${suffix}`,
      SessionToken: `assumed-token-${suffix}`,
      Expiration: new Date(Date.now() + expiresInMs),
    },
  };
}

describe('Method: JobArtifacts.assumeRole', () => {
  afterEach(() => {
    stsMock.reset();
  });

  it('returns credentials from STS AssumeRole with a session name from the job id', async () => {
    // Prepare
    stsMock.on(AssumeRoleCommand).resolves(credentialsResponse('ONE'));
    const artifacts = new JobArtifacts(artifactContext().context);

    // Act
    const credentials = await artifacts.assumeRole(ROLE);

    // Assess
    expect(credentials).toMatchObject({
      accessKeyId: 'ASIAONE',
      secretAccessKey: 'assumed-secret-ONE',
      sessionToken: 'assumed-token-ONE',
    });
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE,
      RoleSessionName: `codepipeline-${JOB_ID}`,
      DurationSeconds: 3600,
    });
  });

  it('caches credentials per role ARN and options for the job', async () => {
    // Prepare
    stsMock
      .on(AssumeRoleCommand)
      .resolvesOnce(credentialsResponse('ONE'))
      .resolvesOnce(credentialsResponse('TWO'))
      .resolvesOnce(credentialsResponse('THREE'));
    const artifacts = new JobArtifacts(artifactContext().context);

    // Act
    const [first, again] = await Promise.all([
      artifacts.assumeRole(ROLE),
      artifacts.assumeRole(ROLE),
    ]);
    const withExternalId = await artifacts.assumeRole(ROLE, { externalId: 'ext-1' });
    const otherRole = await artifacts.assumeRole('arn:aws:iam::210987654321:role/Other');

    // Assess
    expect(again).toBe(first);
    expect(withExternalId.accessKeyId).toBe('ASIATWO');
    expect(otherRole.accessKeyId).toBe('ASIATHREE');
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 3);
  });

  it('renews cached credentials that are about to expire', async () => {
    // Prepare
    stsMock
      .on(AssumeRoleCommand)
      .resolvesOnce(credentialsResponse('SHORT', 60_000))
      .resolvesOnce(credentialsResponse('FRESH'));
    const artifacts = new JobArtifacts(artifactContext().context);

    // Act
    await artifacts.assumeRole(ROLE);
    const renewed = await artifacts.assumeRole(ROLE);

    // Assess
    expect(renewed.accessKeyId).toBe('ASIAFRESH');
  });

  it('registers the new secrets with the redactor', async () => {
    // Prepare
    stsMock.on(AssumeRoleCommand).resolves(credentialsResponse('ONE'));
    const redactor = new Redactor();
    const artifacts = new JobArtifacts(artifactContext({ redactor }).context);

    // Act
    await artifacts.assumeRole(ROLE);

    // Assess
    expect(redactor.redact('x assumed-secret-ONE y assumed-token-ONE')).toBe(
      'x [REDACTED] y [REDACTED]',
    );
  });

  it('refuses something that is not a role ARN', async () => {
    // Prepare
    const artifacts = new JobArtifacts(artifactContext().context);

    // Act & Assess
    await expect(artifacts.assumeRole('DeployTarget')).rejects.toThrow(ConfigurationError);
    expect(stsMock).not.toHaveReceivedCommand(AssumeRoleCommand);
  });

  it('maps AccessDenied to a PermissionError naming the role and the caller', async () => {
    // Prepare
    stsMock.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'not authorized to perform sts:AssumeRole',
      }),
    );
    const artifacts = new JobArtifacts(artifactContext().context, {
      lookupIdentity: async () => 'role FunctionRole (arn:aws:sts::1:assumed-role/FunctionRole/x)',
    });

    // Act
    const error = await artifacts.assumeRole(ROLE).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(PermissionError);
    expect((error as Error).message).toContain(ROLE);
    expect((error as Error).message).toContain('role FunctionRole');
  });

  it('maps throttling to SystemUnavailable and does not cache the failure', async () => {
    // Prepare
    stsMock
      .on(AssumeRoleCommand)
      .rejectsOnce(
        new STSServiceException({
          name: 'Throttling',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: 'Rate exceeded',
        }),
      )
      .resolvesOnce(credentialsResponse('LATER'));
    const artifacts = new JobArtifacts(artifactContext().context);

    // Act
    const error = await artifacts.assumeRole(ROLE).catch((caught: unknown) => caught);
    const retried = await artifacts.assumeRole(ROLE);

    // Assess
    expect(error).toBeInstanceOf(SystemUnavailableError);
    expect(retried.accessKeyId).toBe('ASIALATER');
  });
});

describe('Function: sessionNameFor', () => {
  it('keeps only allowed characters and at most 64 of them', () => {
    // Act
    const name = sessionNameFor(`job id/with:odd*chars-${'x'.repeat(80)}`);

    // Assess
    expect(name).toMatch(/^[\w+=,.@-]{1,64}$/);
    expect(name.startsWith('codepipeline-job-id-with-odd-chars-')).toBe(true);
  });
});

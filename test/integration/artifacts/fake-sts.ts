/**
 * A fake STS on 127.0.0.1 speaking the Query protocol the SDK uses: enough of
 * GetCallerIdentity and AssumeRole for the artifact tests. Point the SDK at it with
 * `AWS_ENDPOINT_URL_STS`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSts {
  readonly endpoint: string;
  /** Form bodies received, decoded (`Action`, `RoleArn`, ...). */
  readonly calls: Array<Record<string, string>>;
  /** Whether GetCallerIdentity answers (true) or fails with 500 (false). */
  identityWorks: boolean;
  close(): Promise<void>;
}

export const ASSUMED_ROLE_ARN =
  'arn:aws:sts::123456789012:assumed-role/PipelineArtifactRole/1700000000000';

export async function startFakeSts(): Promise<FakeSts> {
  const calls: Array<Record<string, string>> = [];
  const state = { identityWorks: true };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      calls.push(params);
      const send = (status: number, xml: string) => {
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'sts-test' });
        res.end(xml);
      };
      if (params.Action === 'GetCallerIdentity' && state.identityWorks) {
        send(
          200,
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${ASSUMED_ROLE_ARN}</Arn><UserId>AROAEXAMPLE:1700000000000</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>sts-test</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        );
        return;
      }
      if (params.Action === 'AssumeRole') {
        send(
          200,
          `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAASSUMEDKEY</AccessKeyId><SecretAccessKey>assumed-secret-${calls.length}</SecretAccessKey><SessionToken>assumed-token-${calls.length}</SessionToken><Expiration>${new Date(Date.now() + 3_600_000).toISOString()}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::210987654321:assumed-role/Target/${params.RoleSessionName}</Arn><AssumedRoleId>AROATARGET:${params.RoleSessionName}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>sts-test</RequestId></ResponseMetadata></AssumeRoleResponse>`,
        );
        return;
      }
      send(
        500,
        '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>fake STS says no</Message></Error><RequestId>sts-test</RequestId></ErrorResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    get identityWorks() {
      return state.identityWorks;
    },
    set identityWorks(value: boolean) {
      state.identityWorks = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

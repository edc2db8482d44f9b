/**
 * A tiny STS for local runs and tests: `GetCallerIdentity` and `AssumeRole`, in the AWS
 * Query protocol STS speaks (form-encoded POST, XML answers). Handlers that check who
 * they are, or assume a role, then work unchanged through `AWS_ENDPOINT_URL_STS`.
 * Tests read what it was asked (`calls`) and can make an action fail (`failAction`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_ACCOUNT_ID } from '../job-event-builder.js';

export interface StsStubOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default DEFAULT_ACCOUNT_ID ('123456789012') */
  readonly accountId?: string;
  /**
   * Who `GetCallerIdentity` says the caller is, for keys AssumeRole did not hand out
   * (a test's pipeline role, say). @default `arn:aws:iam::<accountId>:user/local`
   */
  readonly callerArn?: string;
}

/** One request: its form fields, decoded (`Action`, `RoleArn`, ...), and when it arrived. */
export interface StsCall {
  readonly [field: string]: string | number;
  /** `performance.now()` when the request arrived: orders it among other services' records. */
  readonly receivedAt: number;
}

export interface StsStub {
  /** `http://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL_STS`. */
  readonly endpoint: string;
  readonly port: number;
  /** The requests received, oldest first. */
  readonly calls: readonly StsCall[];
  /** Makes `action` answer 500 InternalFailure (as an STS outage would) until called with `false`. */
  failAction(action: 'GetCallerIdentity' | 'AssumeRole', failing?: boolean): void;
  close(): Promise<void>;
}

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const escapeXml = (value: string) =>
  value.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);

function element(name: string, content: string): string {
  return `<${name}>${content}</${name}>`;
}

function respond(res: ServerResponse, status: number, xml: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(body);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Starts the STS stub on 127.0.0.1. Signatures are not verified (any credentials work). */
export async function startStsStub(options: StsStubOptions = {}): Promise<StsStub> {
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const calls: StsCall[] = [];
  const failing = new Set<string>();
  // Keys handed out by AssumeRole, so GetCallerIdentity can answer as the assumed role.
  const assumed = new Map<string, { arn: string; userId: string }>();

  function callerIdentity(accessKeyId: string | undefined): string {
    const identity = (accessKeyId && assumed.get(accessKeyId)) || {
      arn: options.callerArn ?? `arn:aws:iam::${accountId}:user/local`,
      userId: 'AIDALOCALUSER0000000',
    };
    return element(
      'GetCallerIdentityResult',
      element('Arn', escapeXml(identity.arn)) +
        element('UserId', escapeXml(identity.userId)) +
        element('Account', accountId),
    );
  }

  function assumeRole(form: URLSearchParams): string {
    const roleArn = form.get('RoleArn') ?? '';
    const sessionName = form.get('RoleSessionName') ?? '';
    const duration = Number(form.get('DurationSeconds') ?? '3600');
    if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/.test(roleArn)) {
      throw new StsError('ValidationError', `RoleArn is not a role ARN: ${roleArn}`);
    }
    if (!ROLE_SESSION_NAME.test(sessionName)) {
      throw new StsError('ValidationError', 'RoleSessionName must match [\\w+=,.@-]{2,64}');
    }
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
      throw new StsError('ValidationError', 'DurationSeconds must be between 900 and 43200');
    }
    const roleName = roleArn.split('/').at(-1) ?? 'role';
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const roleAccount = roleArn.split(':')[4] ?? accountId;
    const arn = `arn:aws:sts::${roleAccount}:assumed-role/${roleName}/${sessionName}`;
    const userId = `AROALOCALROLE0000000:${sessionName}`;
    assumed.set(accessKeyId, { arn, userId });
    const expiration = new Date(Date.now() + duration * 1000).toISOString();
    return element(
      'AssumeRoleResult',
      element(
        'Credentials',
        element('AccessKeyId', accessKeyId) +
          element('SecretAccessKey', randomBytes(20).toString('base64')) +
          element('SessionToken', randomBytes(32).toString('base64')) +
          element('Expiration', expiration),
      ) +
        element(
          'AssumedRoleUser',
          element('AssumedRoleId', escapeXml(userId)) + element('Arn', escapeXml(arn)),
        ),
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const receivedAt = performance.now();
    try {
      if (req.method !== 'POST') throw new StsError('InvalidAction', 'Only POST is served');
      const form = await readForm(req);
      const action = form.get('Action');
      calls.push({ ...Object.fromEntries(form), receivedAt });
      if (action !== null && failing.has(action)) {
        throw new StsError(
          'InternalFailure',
          `STS could not serve ${action} (a test asked so)`,
          500,
        );
      }
      const accessKeyId = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
      if (accessKeyId === undefined) {
        throw new StsError(
          'MissingAuthenticationToken',
          'Request is missing Authentication Token',
          403,
        );
      }
      let result: string;
      if (action === 'GetCallerIdentity') result = callerIdentity(accessKeyId);
      else if (action === 'AssumeRole') result = assumeRole(form);
      else
        throw new StsError('InvalidAction', `The embedded STS does not serve ${action ?? 'that'}`);
      const metadata = element('ResponseMetadata', element('RequestId', requestId));
      respond(
        res,
        200,
        `<${action}Response xmlns="${NAMESPACE}">${result}${metadata}</${action}Response>`,
      );
    } catch (error) {
      const stsError =
        error instanceof StsError ? error : new StsError('InternalFailure', String(error), 500);
      const type = stsError.status >= 500 ? 'Receiver' : 'Sender';
      respond(
        res,
        stsError.status,
        `<ErrorResponse xmlns="${NAMESPACE}">${element(
          'Error',
          element('Type', type) +
            element('Code', stsError.code) +
            element('Message', escapeXml(stsError.message)),
        )}${element('RequestId', requestId)}</ErrorResponse>`,
      );
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    calls,
    failAction(action, fail = true) {
      if (fail) failing.add(action);
      else failing.delete(action);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

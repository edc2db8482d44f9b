/**
 * The AWS JSON 1.1 wire protocol as CodePipeline speaks it: one `POST /` per call, the
 * operation in `X-Amz-Target`, JSON in and out, errors as HTTP 400 with a `__type`.
 * The SDK picks the exception class from `x-amzn-ErrorType` (or `__type`), so the
 * names here must be exactly the service's.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CONTENT_TYPE = 'application/x-amz-json-1.1';
export const TARGET_PREFIX = 'CodePipeline_20150709.';

/** A request body larger than this is refused rather than buffered. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Exception names the embedded API answers with (all client errors, HTTP 400). */
export type JobApiErrorName =
  | 'InvalidJobStateException'
  | 'JobNotFoundException'
  | 'ValidationException'
  | 'OutputVariablesSizeExceededException'
  | 'PipelineNotFoundException'
  | 'UnknownOperationException'
  | 'SerializationException'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException';

/** An error the job API sends back to the caller as a typed AWS exception. */
export class JobApiError extends Error {
  readonly errorName: JobApiErrorName;
  readonly statusCode: number;

  constructor(errorName: JobApiErrorName, message: string, statusCode = 400) {
    super(message);
    this.name = 'JobApiError';
    this.errorName = errorName;
    this.statusCode = statusCode;
  }
}

/** A parsed JSON 1.1 call: the operation name and its input object. */
export interface JsonRpcCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/**
 * Reads and checks one request. Throws `JobApiError` for anything the real endpoint
 * would refuse before it ever looks at the input.
 */
export async function parseJsonRpcCall(req: IncomingMessage): Promise<JsonRpcCall> {
  if (req.method !== 'POST') {
    throw new JobApiError(
      'UnknownOperationException',
      `Only POST / is served (got ${req.method})`,
      405,
    );
  }
  checkAuthorization(req.headers.authorization);

  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
    throw new JobApiError(
      'UnknownOperationException',
      `Missing or foreign X-Amz-Target header; expected "${TARGET_PREFIX}<Operation>"`,
    );
  }
  const operation = target.slice(TARGET_PREFIX.length);

  // The exact answer AWS gives to a wrong media type is not documented; a clear
  // SerializationException tells a hand-written client what to fix.
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== CONTENT_TYPE) {
    throw new JobApiError(
      'SerializationException',
      `Content-Type must be ${CONTENT_TYPE} (got ${contentType === '' ? 'none' : contentType})`,
    );
  }

  const body = await readBody(req);
  return { operation, input: parseJsonObject(body) };
}

/**
 * Signatures are not verified: any credentials are welcome, because handlers run with
 * invented artifact credentials. But a request must carry a header that looks like
 * SigV4, so an unsigned client (a forgotten credential provider) fails here as on AWS.
 */
function checkAuthorization(header: string | undefined): void {
  if (header === undefined || header === '') {
    throw new JobApiError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const looksLikeSigV4 =
    header.startsWith('AWS4-HMAC-SHA256 ') &&
    /Credential=[^/,\s]+\/\d{8}\/[^/]+\/[^/]+\/aws4_request/.test(header) &&
    header.includes('SignedHeaders=') &&
    /Signature=[0-9a-f]{64}/.test(header);
  if (!looksLikeSigV4) {
    throw new JobApiError(
      'IncompleteSignatureException',
      'Authorization header is not an AWS Signature Version 4 header',
    );
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new JobApiError('SerializationException', 'Request body is too large');
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonObject(body: string): Record<string, unknown> {
  // An empty body is an empty input: the SDK sends "{}" but curl users may not.
  if (body.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new JobApiError('SerializationException', 'Request body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new JobApiError('SerializationException', 'Request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * Sends a successful result; `undefined` means the empty body PutJob*Result returns.
 * `onFlushed` runs once the response has been handed to the client's connection.
 */
export function sendResult(res: ServerResponse, output: unknown, onFlushed?: () => void): void {
  const body = output === undefined ? '' : JSON.stringify(output);
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(body, onFlushed);
}

/** Sends an error so the SDK raises the exception class of the same name. */
export function sendError(res: ServerResponse, error: JobApiError): void {
  sendErrorAs(res, error.statusCode, error.errorName, error.message);
}

/** Sends any AWS JSON error, also ones the service has and this API never raises itself (throttling, 5xx). */
export function sendErrorAs(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  rawBody?: string,
): void {
  const body = rawBody ?? JSON.stringify({ __type: type, message });
  res.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
    'x-amzn-ErrorType': type,
  });
  res.end(body);
}

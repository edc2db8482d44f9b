import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the scripted endpoint answers one request. */
export type ScriptedReply =
  | { kind: 'ok' }
  | { kind: 'error'; status: number; type: string; message?: string }
  | { kind: 'hang' };

export interface RecordedRequest {
  readonly target: string;
  readonly body: Record<string, unknown>;
}

/**
 * A loopback HTTP endpoint that answers like CodePipeline's JSON 1.1 API, one scripted
 * reply per request (then `ok`), so tests can drive the real SDK through throttling, a
 * hung connection, and the exceptions CodePipeline returns.
 */
export async function startScriptedCodePipeline(replies: ScriptedReply[]) {
  const requests: RecordedRequest[] = [];
  const hung: ServerResponse[] = [];
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    requests.push({
      target: String(request.headers['x-amz-target'] ?? ''),
      body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
    });
    const reply = replies.shift() ?? { kind: 'ok' };
    if (reply.kind === 'hang') {
      hung.push(response);
      return;
    }
    response.setHeader('content-type', 'application/x-amz-json-1.1');
    if (reply.kind === 'ok') {
      response.end('{}');
      return;
    }
    response.statusCode = reply.status;
    response.setHeader('x-amzn-errortype', reply.type);
    response.end(JSON.stringify({ __type: reply.type, message: reply.message ?? reply.type }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const response of hung) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

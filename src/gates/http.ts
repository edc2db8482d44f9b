import * as v from 'valibot';

/** What one HTTP request gave: a response (any status), or why there was none. */
export type HttpResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly body: string;
      /** The body was longer than `maxBodyBytes` and was cut there. */
      readonly bodyTruncated: boolean;
      readonly contentType: string | undefined;
      /** From sending the request until the (possibly cut) body was read. */
      readonly latencyMs: number;
    }
  | {
      readonly kind: 'timeout' | 'aborted' | 'network';
      readonly message: string;
      readonly latencyMs: number;
    };

export interface HttpRequest {
  readonly url: string;
  /** @default 'GET' */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Time for the whole exchange, body included. */
  readonly timeoutMs: number;
  /** @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** @default true */
  readonly followRedirects?: boolean;
  /** The job's signal: aborts the request when the job's time is up. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * One request with global `fetch`, bounded by its own timeout and by the job's
 * signal. It never throws for HTTP or network trouble: gates turn every result into
 * a message, and an exception would lose the latency and the kind of failure.
 */
export async function httpRequest(request: HttpRequest): Promise<HttpResult> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(request.url, {
      method: request.method ?? 'GET',
      ...(request.headers ? { headers: request.headers } : {}),
      ...(request.body !== undefined ? { body: request.body } : {}),
      redirect: request.followRedirects === false ? 'manual' : 'follow',
      signal,
    });
    const { text, truncated } = await readLimited(
      response,
      request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    );
    return {
      kind: 'response',
      status: response.status,
      body: text,
      bodyTruncated: truncated,
      contentType: response.headers.get('content-type') ?? undefined,
      latencyMs: elapsed(),
    };
  } catch (error) {
    if (timeout.aborted) {
      return {
        kind: 'timeout',
        message: `timed out after ${request.timeoutMs} ms`,
        latencyMs: elapsed(),
      };
    }
    if (request.signal?.aborted) {
      return { kind: 'aborted', message: 'aborted: the job ran out of time', latencyMs: elapsed() };
    }
    return { kind: 'network', message: networkMessage(error), latencyMs: elapsed() };
  }
}

/** Reads at most `maxBytes` of the body, so a huge or endless response cannot exhaust memory. */
async function readLimited(
  response: Response,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - size;
    if (value.byteLength >= room) {
      chunks.push(value.subarray(0, room));
      size += room;
      truncated = value.byteLength > room;
      if (truncated) {
        await reader.cancel().catch(() => {});
        break;
      }
    } else {
      chunks.push(value);
      size += value.byteLength;
    }
  }
  return { text: Buffer.concat(chunks, size).toString('utf8'), truncated };
}

/** `connection refused (ECONNREFUSED)`, without the stack undici wraps it in. */
function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'DNS lookup failed',
    UND_ERR_SOCKET: 'connection closed by the server',
    CERT_HAS_EXPIRED: 'TLS certificate expired',
  };
  if (code) return `${known[code] ?? 'request failed'} (${code})`;
  const detail = typeof cause?.message === 'string' ? cause.message : (error as Error)?.message;
  return `request failed: ${detail ?? String(error)}`;
}

/**
 * The URL as it may be shown in a summary or a log line: no credentials, query or
 * fragment, since those are where tokens tend to hide.
 */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const hidden = parsed.search || parsed.hash ? '?…' : '';
    return `${parsed.origin}${parsed.pathname}${hidden}`;
  } catch {
    return '(invalid URL)';
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * An http(s) URL (surrounding white space is trimmed). Checked with the WHATWG `URL`
 * parser that `fetch` itself uses, rather than `v.url()`, whose pattern accepts other
 * schemes and differs from what `fetch` will do with the value.
 */
export const httpUrlSchema = v.pipe(
  v.string(),
  v.trim(),
  v.check((value) => {
    const parsed = URL.parse(value);
    return parsed !== null && (parsed.protocol === 'http:' || parsed.protocol === 'https:');
  }, 'must be an http:// or https:// URL'),
);

/** An https URL; plain http is allowed only on loopback, for local runs and tests. */
export const httpsUrlSchema = v.pipe(
  httpUrlSchema,
  v.check((value) => {
    // A value that is not a URL at all is already reported by httpUrlSchema.
    const parsed = URL.parse(value);
    if (parsed === null) return true;
    return parsed.protocol === 'https:' || LOOPBACK_HOSTS.has(parsed.hostname);
  }, 'must be an https:// URL (http:// is accepted only for 127.0.0.1 and localhost)'),
);

/** HTTP header names and values; the values are never logged (they may hold tokens). */
export const headersSchema = v.record(v.pipe(v.string(), v.minLength(1)), v.string());

/**
 * Finds invented artifact credentials (from `fakeArtifactCredentials`) in text, values
 * and HTTP requests. A hit is recognised by the canary word of its field; when the
 * whole value was issued in this process it is an exact leak, otherwise a fragment or
 * a value issued by another process (a CLI child). Both count: a partial secret in a
 * log is still a leak. Findings name the field and the place, never the value.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  FAKE_CREDENTIAL_CANARIES,
  type FakeCredentialField,
  issuedFakeCredentialField,
} from '../../src/testing/fake-credentials.js';

export interface SecretFinding {
  readonly field: FakeCredentialField;
  /** Where it was seen, e.g. `stdout` or `HTTP request POST / (body)`. */
  readonly where: string;
  /** The whole value issued in this process, rather than a fragment or a foreign one. */
  readonly exact: boolean;
}

/** Looks a candidate value up; the capture swaps in the registry of the current module graph. */
export type IssuedLookup = (value: string) => FakeCredentialField | undefined;

const FIELD_BY_CANARY = new Map(
  Object.entries(FAKE_CREDENTIAL_CANARIES).map(([field, canary]) => [
    canary,
    field as FakeCredentialField,
  ]),
);
const CANARY = new RegExp([...FIELD_BY_CANARY.keys()].join('|'), 'g');

/** Where each field's full value starts and ends relative to its canary word. */
const VALUE_SPAN: Record<FakeCredentialField, { before: number; length: number }> = {
  accessKeyId: { before: 0, length: 20 },
  secretAccessKey: { before: 0, length: 40 },
  // `FwoGZXIvYXdzE` + canary + 120 base64 characters.
  sessionToken: { before: 13, length: 144 },
};

/** The longest value: a streamed scan keeps this much of the previous chunk. */
export const LONGEST_CREDENTIAL = Math.max(...Object.values(VALUE_SPAN).map((span) => span.length));

/**
 * `more` says the text may continue (a stream): a value running past its end is left
 * for the next call instead of being reported as a fragment.
 */
export function findSecrets(
  text: string,
  where: string,
  lookup: IssuedLookup = issuedFakeCredentialField,
  more = false,
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const match of text.matchAll(CANARY)) {
    const field = FIELD_BY_CANARY.get(match[0]);
    if (field === undefined) continue;
    const span = VALUE_SPAN[field];
    const start = match.index - span.before;
    if (more && start + span.length > text.length) continue;
    const candidate = start < 0 ? '' : text.slice(start, start + span.length);
    const exact = lookup(candidate) === field;
    if (!findings.some((seen) => seen.field === field && seen.exact === exact)) {
      findings.push({ field, where, exact });
    }
  }
  return findings;
}

/**
 * Scans a value the way it could end up on the wire or in a log: strings, and byte
 * arrays read as Latin-1 (the canaries are ASCII), inside objects and arrays. Streams
 * and functions are skipped; `where` gets the property path of each hit.
 */
export function findSecretsInValue(
  value: unknown,
  where: string,
  lookup: IssuedLookup = issuedFakeCredentialField,
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const seen = new Set<object>();
  const visit = (item: unknown, path: string, depth: number) => {
    if (typeof item === 'string') {
      findings.push(...findSecrets(item, `${where}${path}`, lookup));
      return;
    }
    if (item === null || typeof item !== 'object' || depth > 12 || seen.has(item)) return;
    seen.add(item);
    if (item instanceof Uint8Array) {
      findings.push(
        ...findSecrets(Buffer.from(item).toString('latin1'), `${where}${path}`, lookup),
      );
      return;
    }
    if (typeof (item as { pipe?: unknown }).pipe === 'function') return;
    for (const [key, child] of Object.entries(item)) {
      visit(child, Array.isArray(item) ? `${path}[${key}]` : `${path}.${key}`, depth + 1);
    }
  };
  visit(value, '', 0);
  return findings;
}

/**
 * Scans a stream of chunks (a request body, a child's stdout) without holding it all:
 * each chunk is scanned together with the tail of the previous one, so a value split
 * across two chunks is still seen.
 */
export class StreamScanner {
  #tail = '';
  readonly #found: SecretFinding[] = [];

  constructor(
    readonly where: string,
    private readonly lookup: IssuedLookup = issuedFakeCredentialField,
    private readonly onFinding: (finding: SecretFinding) => void = () => {},
  ) {}

  push(chunk: string | Uint8Array): void {
    this.#scan(
      this.#tail + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1')),
      true,
    );
  }

  /** The stream ended: what was held back as possibly incomplete is judged now. */
  end(): void {
    this.#scan(this.#tail, false);
    this.#tail = '';
  }

  #scan(text: string, more: boolean): void {
    for (const finding of findSecrets(text, this.where, this.lookup, more)) {
      if (
        this.#found.some((seen) => seen.field === finding.field && seen.exact === finding.exact)
      ) {
        continue;
      }
      this.#found.push(finding);
      this.onFinding(finding);
    }
    this.#tail = text.slice(-LONGEST_CREDENTIAL);
  }

  findings(): readonly SecretFinding[] {
    return this.#found;
  }
}

/**
 * Request line and headers with the two places a credential legitimately travels
 * removed: SigV4 puts the access key id in `Credential=` (of the Authorization header,
 * or `X-Amz-Credential` of a presigned URL) and the session token in
 * `X-Amz-Security-Token`. The secret access key never travels at all.
 */
export function requestHeadForScan(method: string, url: string, headers: IncomingHttpHeaders) {
  const query = url.indexOf('?');
  let target = url;
  if (query >= 0) {
    const params = new URLSearchParams(url.slice(query + 1));
    params.delete('X-Amz-Credential');
    params.delete('X-Amz-Security-Token');
    target = `${url.slice(0, query)}?${params.toString()}`;
  }
  const lines = [`${method} ${decodeURIComponentSafe(target)}`];
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'x-amz-security-token') continue;
    const text = Array.isArray(value) ? value.join(', ') : String(value ?? '');
    lines.push(
      `${name}: ${name === 'authorization' ? text.replace(/Credential=[^/,\s]+\//g, 'Credential=<key id>/') : text}`,
    );
  }
  return lines.join('\n');
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** One line per finding, for a failure message: field, exactness and place, no value. */
export function describeSecretFindings(findings: readonly SecretFinding[]): string {
  const unique = new Map<string, SecretFinding>();
  for (const finding of findings) {
    unique.set(`${finding.field}|${finding.exact}|${finding.where}`, finding);
  }
  return [...unique.values()]
    .map(
      (finding) =>
        `  - artifact credential field ${finding.field} (${finding.exact ? 'the exact value' : 'a fragment, or a value invented by another process'}) in ${finding.where}`,
    )
    .join('\n');
}

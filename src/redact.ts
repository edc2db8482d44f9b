/**
 * Secrets (the job's artifact credentials, and any other string registered with a
 * Redactor) must never reach a log line, an error or a failure message. Every string
 * that leaves the framework for a log or for CodePipeline passes through `redact`.
 */

const MASK = '[REDACTED]';

/** Keys whose values are masked wherever they appear in logged objects. */
const SECRET_KEY =
  /^(secretaccesskey|sessiontoken|accesskeyid|authorization|x-amz-security-token|password|token|artifactcredentials|credentials)$/i;

export class Redactor {
  readonly #secrets = new Set<string>();

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Registers a secret; empty or very short values are ignored (they would mask everything). */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.#secrets.add(secret);
  }

  /** Replaces every registered secret in `text` with a mask. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
    }
    return out;
  }

  /** A JSON-safe copy of `value` with secrets and secret-named keys masked. */
  redactValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth > 8) return '[Truncated]';
    if (value instanceof Error) {
      return {
        name: value.name,
        message: this.redact(value.message),
        ...(value.stack ? { stack: this.redact(value.stack) } : {}),
        ...('failureType' in value ? { failureType: value.failureType } : {}),
      };
    }
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? MASK : this.redactValue(item, depth + 1);
    }
    return out;
  }
}

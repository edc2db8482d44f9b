/**
 * Secrets (the job's artifact credentials, and any other string registered with a
 * Redactor) must never reach a log line, an error or a failure message. Every string
 * that leaves the framework for a log or for CodePipeline passes through `redact`.
 *
 * What counts as a secret: a registered value of at least {@link MIN_SECRET_LENGTH}
 * characters with no whitespace in it. That is every credential AWS issues (access key
 * ids are 16 to 128 characters, secret access keys 40, session tokens hundreds), and
 * such a value is masked wherever it appears, inside other text too. Shorter values
 * and values with spaces are not credentials but sample placeholders (SAM's and the
 * .NET test tool's events carry `"sessionToken": "token"`): masking them would mask
 * the ordinary word "token" in every message, so they are not registered.
 */

const MASK = '[REDACTED]';

/** The shortest credential AWS issues: an access key id has at least 16 characters. */
export const MIN_SECRET_LENGTH = 16;

/** Keys whose values are masked wherever they appear in logged objects. */
const SECRET_KEY =
  /^(secretaccesskey|sessiontoken|accesskeyid|authorization|x-amz-security-token|password|token|artifactcredentials|credentials)$/i;

export class Redactor {
  readonly #secrets = new Set<string>();

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /**
   * Registers a secret. Values that cannot be a real credential (shorter than
   * {@link MIN_SECRET_LENGTH} characters, or holding whitespace) are ignored: they
   * would mask ordinary words.
   */
  add(secret: string | undefined): void {
    if (isCredentialShaped(secret)) this.#secrets.add(secret);
  }

  /** Replaces every registered secret in `text` with a mask. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
    }
    return out;
  }

  /**
   * A JSON-safe copy of `value` with secrets and secret-named keys masked. A BigInt
   * (which JSON.stringify refuses) becomes its digits, so a log line needs no replacer.
   */
  redactValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (typeof value === 'bigint') return value.toString();
    if (value === null || typeof value !== 'object') return value;
    if (depth > 8) return '[Truncated]';
    if (value instanceof Error) {
      return {
        name: value.name,
        message: this.redact(value.message),
        ...(value.stack ? { stack: this.redact(value.stack) } : {}),
        ...('failureType' in value ? { failureType: value.failureType } : {}),
        // The cause chain, bounded by the depth limit (which also ends a cycle).
        ...(value.cause !== undefined ? { cause: this.redactValue(value.cause, depth + 1) } : {}),
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

/** At least MIN_SECRET_LENGTH characters and no whitespace, as every AWS credential is. */
function isCredentialShaped(value: string | undefined): value is string {
  return typeof value === 'string' && value.length >= MIN_SECRET_LENGTH && !/\s/.test(value);
}

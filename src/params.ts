import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigurationError } from './errors.js';

/** The validated parameters' type: the schema's output, or `undefined` without a schema. */
export type ParamsOf<Schema> = Schema extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<Schema>
  : undefined;

/**
 * Text that was meant to be JSON: an object, an array or a quoted string. When such
 * text does not parse, the parse error (with its position) is the useful message;
 * any other text is a plain string (a URL, an environment name) the schema judges.
 */
const JSON_LOOKING = /^\s*[{["]/;

/**
 * Decodes and validates `UserParameters`.
 *
 * - JSON text is decoded and the schema sees the value. A JSON scalar the schema
 *   refuses (`42`, `true`) is offered once more as the string it was typed as, so
 *   `z.string()` accepts `UserParameters: 42`.
 * - Plain text that is not JSON (a bare URL, `production`) is given to the schema as
 *   the string it is, and a refusal carries the schema's own message.
 * - Text that looks like JSON (starts with `{`, `[` or `"`) but does not parse is
 *   offered to the schema as a string too; if the schema refuses it, the failure is
 *   the JSON parse error with its position.
 * - Missing `UserParameters` is validated as `undefined`, so schemas decide whether
 *   parameters are optional.
 */
export async function parseUserParameters<Schema extends StandardSchemaV1>(
  schema: Schema,
  raw: string | undefined,
): Promise<StandardSchemaV1.InferOutput<Schema>> {
  if (raw === undefined) {
    const result = await validate(schema, undefined);
    if (!result.issues) return result.value as StandardSchemaV1.InferOutput<Schema>;
    throw new ConfigurationError(
      `UserParameters is missing from the action configuration, and this function requires it: ${describeIssues(result.issues)}`,
    );
  }

  let decoded: { value: unknown } | { jsonError: string };
  try {
    decoded = { value: JSON.parse(raw) };
  } catch (error) {
    decoded = { jsonError: (error as Error).message };
  }

  if ('value' in decoded) {
    const result = await validate(schema, decoded.value);
    if (!result.issues) return result.value as StandardSchemaV1.InferOutput<Schema>;
    if (typeof decoded.value !== 'object' || decoded.value === null) {
      const asText = await validate(schema, raw);
      if (!asText.issues) return asText.value as StandardSchemaV1.InferOutput<Schema>;
    }
    throw new ConfigurationError(`UserParameters is invalid: ${describeIssues(result.issues)}`);
  }

  const result = await validate(schema, raw);
  if (!result.issues) return result.value as StandardSchemaV1.InferOutput<Schema>;
  if (JSON_LOOKING.test(raw)) {
    throw new ConfigurationError(`UserParameters is not valid JSON: ${decoded.jsonError}`);
  }
  throw new ConfigurationError(
    `UserParameters is invalid: ${describeIssues(result.issues)} (the text is not JSON, so the schema was given it as a string)`,
  );
}

async function validate(
  schema: StandardSchemaV1,
  value: unknown,
): Promise<StandardSchemaV1.Result<unknown>> {
  const result = schema['~standard'].validate(value);
  return result instanceof Promise ? await result : result;
}

/** `UserParameters.minRating: expected number, received string; ...` */
export function describeIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  const shown = issues.slice(0, 10).map((issue) => {
    const path = (issue.path ?? []).map((segment) =>
      typeof segment === 'object' ? String(segment.key) : String(segment),
    );
    return `${['UserParameters', ...path].join('.')}: ${issue.message}`;
  });
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
  return shown.join('; ') + more;
}

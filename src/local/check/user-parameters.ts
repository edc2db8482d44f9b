/**
 * An Invoke action's `UserParameters` as the deployed pipeline will hold them: the text
 * CloudFormation writes into the action's configuration, with the parts only known later
 * (`#{Namespace.variable}` at run time, parameters without a Default at deploy time)
 * replaced by a placeholder where they stand for a string, so the handler's schema can
 * check everything else.
 */
import { type ResolveContext, resolveValue, Unresolved } from '../template/intrinsics.js';
import { configurationText } from './pipeline-rules.js';

/** What stands in for a value known only later; any string the schema accepts will do. */
export const PLACEHOLDER = 'placeholder';

/** `#{Namespace.variable}` (run time) or `${Parameter}` (a template parameter without a Default). */
const LATER = /#\{[A-Za-z0-9@_-]+\.[A-Za-z0-9@_-]+\}|\$\{[A-Za-z0-9_:.]+\}/g;

export type DeployedText =
  | { readonly kind: 'absent' }
  | { readonly kind: 'text'; readonly text: string; readonly note?: string }
  | { readonly kind: 'unresolvable'; readonly reason: string };

function containsUnresolved(value: unknown): Unresolved | undefined {
  if (value instanceof Unresolved) return value;
  if (Array.isArray(value)) return value.map(containsUnresolved).find(Boolean);
  if (typeof value === 'object' && value !== null) {
    return Object.values(value).map(containsUnresolved).find(Boolean);
  }
  return undefined;
}

/** The configuration text of `raw` (a string, `!Sub`, `Fn::ToJsonString`, a YAML mapping). */
export function deployedText(raw: unknown, context: ResolveContext): DeployedText {
  if (raw === undefined || raw === null) return { kind: 'absent' };
  const toJson =
    typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 1
      ? (raw as Record<string, unknown>)['Fn::ToJsonString']
      : undefined;
  const resolved = resolveValue(toJson ?? raw, context);
  const unresolved = containsUnresolved(resolved);
  if (unresolved !== undefined) {
    return {
      kind: 'unresolvable',
      reason: `it uses ${unresolved.text}, which check cannot resolve before the deploy`,
    };
  }
  if (toJson !== undefined) return { kind: 'text', text: JSON.stringify(resolved) };
  if (typeof resolved === 'object' && resolved !== null) {
    return {
      kind: 'text',
      text: configurationText(resolved),
      note: 'a YAML mapping, checked as its JSON text; Fn::ToJsonString or a JSON string says so explicitly',
    };
  }
  return { kind: 'text', text: configurationText(resolved) };
}

/** Text to validate, and where (JSON paths; [] is the whole value) a placeholder stands in. */
export type Candidate =
  | {
      readonly kind: 'candidate';
      readonly text: string;
      readonly placeholders: ReadonlyMap<string, readonly string[]>;
    }
  | { readonly kind: 'unchecked'; readonly reason: string };

/** A JSON path as a key: `a.b.0`; '' is the whole value. */
export function pathKey(path: readonly (string | number)[]): string {
  return path.map(String).join('.');
}

function laterParts(text: string): string[] {
  return [...text.matchAll(LATER)].map((match) => match[0]);
}

/** `text` with placeholders for the parts known later, or why that is not possible. */
export function withPlaceholders(text: string): Candidate {
  if (laterParts(text).length === 0) return { kind: 'candidate', text, placeholders: new Map() };
  const placeholders = new Map<string, string[]>();
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      return {
        kind: 'unchecked',
        reason: `${laterParts(text).join(', ')} stands outside a JSON string, so the JSON's shape depends on a value known only later`,
      };
    }
    // Not JSON: the handler gets the text itself.
    placeholders.set('', laterParts(text));
    return { kind: 'candidate', text: text.replace(LATER, PLACEHOLDER), placeholders };
  }
  let keyProblem: string | undefined;
  const replace = (value: unknown, path: (string | number)[]): unknown => {
    if (typeof value === 'string') {
      const parts = laterParts(value);
      if (parts.length === 0) return value;
      placeholders.set(pathKey(path), parts);
      return value.replace(LATER, PLACEHOLDER);
    }
    if (Array.isArray(value)) return value.map((item, index) => replace(item, [...path, index]));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => {
          if (laterParts(key).length > 0) keyProblem ??= key;
          return [key, replace(item, [...path, key])];
        }),
      );
    }
    return value;
  };
  const replaced = replace(decoded, []);
  if (keyProblem !== undefined) {
    return {
      kind: 'unchecked',
      reason: `the key "${keyProblem}" is known only later, so the schema cannot be applied to it`,
    };
  }
  return { kind: 'candidate', text: JSON.stringify(replaced), placeholders };
}

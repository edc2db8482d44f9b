/**
 * Resolves the intrinsic functions a pipeline definition commonly uses (Ref, Fn::Sub,
 * Fn::GetAtt, Fn::Join, Fn::Select, Fn::If with literal conditions skipped) to plain
 * values, the way they would look after deployment. Resources have no physical names
 * locally, so a Ref to one gives its FunctionName/Name property or its logical id,
 * and GetAtt gives a made-up ARN: good enough for display and for matching functions.
 */
import type { Template } from './parse-template.js';

export interface ResolveContext {
  readonly template: Template;
  /** Parameter values: overrides, else defaults. */
  readonly parameters: ReadonlyMap<string, string>;
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
}

/** A value we could not resolve; callers show `text` and may refuse to go on. */
export class Unresolved {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

function pseudo(name: string, context: ResolveContext): string | undefined {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::NoValue':
      return undefined;
    default:
      return undefined;
  }
}

function ref(name: string, context: ResolveContext): unknown {
  if (name.startsWith('AWS::')) return pseudo(name, context) ?? new Unresolved(`{Ref ${name}}`);
  const parameter = context.parameters.get(name);
  if (parameter !== undefined) return parameter;
  if (context.template.Parameters?.[name] !== undefined) {
    return new Unresolved(`{parameter ${name} has no value: pass --parameter ${name}=...}`);
  }
  const resource = context.template.Resources[name];
  if (resource === undefined) return new Unresolved(`{Ref ${name}}`);
  const named = resource.Properties?.FunctionName ?? resource.Properties?.Name;
  const resolved = named === undefined ? undefined : resolveValue(named, context);
  return typeof resolved === 'string' ? resolved : name;
}

function getAtt(resource: string, attribute: string, context: ResolveContext): string {
  const name = ref(resource, context);
  const shown = typeof name === 'string' ? name : resource;
  return attribute === 'Arn'
    ? `arn:aws:local:${context.region}:${context.accountId}:${shown}`
    : `${shown}.${attribute}`;
}

function substitute(template: string, variables: Record<string, unknown>, context: ResolveContext) {
  let unresolved = false;
  const text = template.replace(/\$\{([^}!]+)\}|\$\{!([^}]*)\}/g, (_match, name, literal) => {
    if (literal !== undefined) return `\${${literal}}`;
    const key = String(name).trim();
    let value: unknown;
    if (Object.hasOwn(variables, key)) value = resolveValue(variables[key], context);
    else if (key.includes('.')) {
      const dot = key.indexOf('.');
      value = getAtt(key.slice(0, dot), key.slice(dot + 1), context);
    } else value = ref(key, context);
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    unresolved = true;
    return String(value);
  });
  return unresolved ? new Unresolved(text) : text;
}

export function resolveValue(value: unknown, context: ResolveContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, context));
  if (typeof value !== 'object' || value === null || value instanceof Unresolved) return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first !== undefined) {
    const [key, argument] = first;
    switch (key) {
      case 'Ref':
        return ref(String(argument), context);
      case 'Fn::GetAtt': {
        const [resource, attribute] = Array.isArray(argument)
          ? argument.map(String)
          : String(argument).split('.');
        return getAtt(resource ?? '', attribute ?? '', context);
      }
      case 'Fn::Sub':
        return Array.isArray(argument)
          ? substitute(String(argument[0]), (argument[1] ?? {}) as Record<string, unknown>, context)
          : substitute(String(argument), {}, context);
      case 'Fn::Join': {
        const [separator, list] = argument as [string, unknown];
        const items = resolveValue(list, context);
        if (!Array.isArray(items)) return new Unresolved(JSON.stringify(value));
        const joined = items.map(String).join(separator);
        return items.some((item) => item instanceof Unresolved) ? new Unresolved(joined) : joined;
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        const items = resolveValue(list, context);
        return Array.isArray(items) ? items[Number(index)] : new Unresolved(JSON.stringify(value));
      }
      default:
        if (key.startsWith('Fn::')) return new Unresolved(`{${key}}`);
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveValue(item, context)]));
}

/** The resolved value as a string, or undefined when it is not one. */
export function resolveString(value: unknown, context: ResolveContext): string | undefined {
  const resolved = resolveValue(value, context);
  return typeof resolved === 'string' ? resolved : undefined;
}

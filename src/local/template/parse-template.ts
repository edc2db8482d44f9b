/**
 * Reads a SAM/CloudFormation template (YAML or JSON). The short intrinsic tags (`!Ref`,
 * `!GetAtt`, `!Sub`, ...) become their long form (`{ "Fn::Sub": ... }`), so the rest of
 * the code sees one shape whichever form the template uses.
 */
import { readFileSync } from 'node:fs';
import { parse, type Tags } from 'yaml';

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly [attribute: string]: unknown;
}

export interface Template {
  readonly AWSTemplateFormatVersion?: string;
  readonly Transform?: string | readonly string[];
  readonly Description?: string;
  readonly Parameters?: Record<
    string,
    { readonly Type?: string; readonly Default?: unknown; readonly [key: string]: unknown }
  >;
  readonly Conditions?: Record<string, unknown>;
  readonly Globals?: { readonly Function?: Record<string, unknown> };
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, unknown>;
  readonly [section: string]: unknown;
}

const FUNCTIONS = [
  'And',
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Not',
  'Or',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'ToJsonString',
  'Length',
];

function tagsFor(name: string, key: string, toValue = (value: unknown) => value): Tags {
  return [
    { tag: `!${name}`, resolve: (value: string) => ({ [key]: toValue(value) }) },
    {
      tag: `!${name}`,
      collection: 'seq',
      resolve: (value) => ({ [key]: toValue(value.toJSON()) }),
    },
    {
      tag: `!${name}`,
      collection: 'map',
      resolve: (value) => ({ [key]: toValue(value.toJSON()) }),
    },
  ];
}

/** The short intrinsic tags as yaml custom tags. */
export const CLOUDFORMATION_TAGS: Tags = [
  ...tagsFor('Ref', 'Ref'),
  ...tagsFor('Condition', 'Condition'),
  // `!GetAtt Resource.Attribute` (scalar form) means ["Resource", "Attribute"].
  ...tagsFor('GetAtt', 'Fn::GetAtt', (value) => {
    if (typeof value !== 'string') return value;
    const dot = value.indexOf('.');
    return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
  }),
  ...FUNCTIONS.flatMap((name) => tagsFor(name, `Fn::${name}`)),
];

/** Thrown for a file that is not a template; the CLI shows the message as it is. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/**
 * Parses a template's text; `file` names it in errors. A key written twice in one map
 * is an error, as CloudFormation refuses such a template.
 */
export function parseTemplate(text: string, file = 'the template'): Template {
  let parsed: unknown;
  try {
    parsed = parse(text, { customTags: CLOUDFORMATION_TAGS, uniqueKeys: true });
  } catch (error) {
    throw new TemplateError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  const resources = (parsed as { Resources?: unknown } | null)?.Resources;
  if (typeof resources !== 'object' || resources === null) {
    throw new TemplateError(
      `${file} has no Resources section: is it a SAM/CloudFormation template?`,
    );
  }
  return parsed as Template;
}

export function readTemplate(file: string): Template {
  return parseTemplate(readFileSync(file, 'utf8'), file);
}

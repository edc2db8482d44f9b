// Reads a CloudFormation/SAM template written in YAML, turning the short intrinsic
// tags (!Ref, !GetAtt, !Sub, ...) into their long JSON form ({ "Fn::Sub": ... }), so
// the validator sees one shape whichever form the template uses.
import { parse, type Tags } from 'yaml';

type Json = unknown;

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
] as const;

function tagsFor(name: string, key: string, toValue = (value: Json) => value): Tags {
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

export const cloudFormationTags: Tags = [
  ...tagsFor('Ref', 'Ref'),
  ...tagsFor('Condition', 'Condition'),
  // !GetAtt Resource.Attribute (the scalar form) means ["Resource", "Attribute"].
  ...tagsFor('GetAtt', 'Fn::GetAtt', (value) => {
    if (typeof value !== 'string') return value;
    const dot = value.indexOf('.');
    return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
  }),
  ...FUNCTIONS.flatMap((name) => tagsFor(name, `Fn::${name}`)),
];

export interface Template {
  AWSTemplateFormatVersion?: string;
  Transform?: string | string[];
  Description?: string;
  Parameters?: Record<string, { Type: string; Default?: Json; [key: string]: Json }>;
  Conditions?: Record<string, Json>;
  Globals?: Record<string, Json>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, Json>;
  [key: string]: Json;
}

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
  [key: string]: Json;
}

export function parseTemplate(text: string): Template {
  const template = parse(text, { customTags: cloudFormationTags, uniqueKeys: true }) as Template;
  if (typeof template !== 'object' || template === null || typeof template.Resources !== 'object') {
    throw new Error('The template has no Resources section');
  }
  return template;
}

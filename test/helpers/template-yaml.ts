// Reads a CloudFormation/SAM template written in YAML, turning the short intrinsic
// tags (!Ref, !GetAtt, !Sub, ...) into their long JSON form ({ "Fn::Sub": ... }), so
// the validator sees one shape whichever form the template uses.
import { parse } from 'yaml';
import { CLOUDFORMATION_TAGS } from '../../src/local/template/parse-template.js';

type Json = unknown;

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
  const template = parse(text, { customTags: CLOUDFORMATION_TAGS, uniqueKeys: true }) as Template;
  if (typeof template !== 'object' || template === null || typeof template.Resources !== 'object') {
    throw new Error('The template has no Resources section');
  }
  return template;
}

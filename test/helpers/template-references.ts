// Every Ref, Fn::GetAtt and Fn::Sub variable of a template must name a parameter, a
// pseudo parameter or a resource (with an attribute it has): a typo here otherwise
// surfaces only when CloudFormation rejects the change set.

import type { Template } from '../../src/local/template/parse-template.js';
import { isPlainObject } from './template-spec.js';

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

/** `attributesOf(type)`: the attributes a resource type has, or undefined when unknown. */
export function checkIntrinsics(
  template: Template,
  attributesOf: (type: string) => string[] | undefined,
): string[] {
  const problems: string[] = [];
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const resources = template.Resources;

  const checkRef = (name: string, path: string) => {
    if (!parameters.has(name) && !PSEUDO_PARAMETERS.has(name) && !(name in resources)) {
      problems.push(`${path}: Ref ${name} names no parameter or resource`);
    }
  };
  const checkGetAtt = (resource: string, attribute: string, path: string) => {
    const target = resources[resource];
    if (!target) {
      problems.push(`${path}: GetAtt ${resource}.${attribute} names no resource`);
      return;
    }
    const known = attributesOf(target.Type);
    if (known && !known.includes(attribute)) {
      problems.push(
        `${path}: ${target.Type} has no attribute ${attribute} (it has ${known.join(', ')})`,
      );
    }
  };

  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, `${path}[${index}]`);
      return;
    }
    if (!isPlainObject(value)) return;
    for (const [key, argument] of Object.entries(value)) {
      if (key === 'Ref' && typeof argument === 'string') checkRef(argument, path);
      else if (key === 'Fn::GetAtt') {
        const [resource, attribute] = Array.isArray(argument) ? argument : [];
        if (typeof resource !== 'string' || typeof attribute !== 'string') {
          problems.push(`${path}: Fn::GetAtt needs [resource, attribute]`);
        } else checkGetAtt(resource, attribute, path);
      } else if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
        const local = new Set(Object.keys(isPlainObject(variables) ? variables : {}));
        for (const match of String(text).matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = match[1]?.trim() ?? '';
          if (local.has(name)) continue;
          const dot = name.indexOf('.');
          if (dot > 0 && !name.startsWith('AWS::'))
            checkGetAtt(name.slice(0, dot), name.slice(dot + 1), path);
          else checkRef(name, path);
        }
        if (isPlainObject(variables)) walk(variables, `${path}.Fn::Sub`);
      }
      walk(argument, `${path}.${key}`);
    }
  };

  for (const [id, resource] of Object.entries(resources)) walk(resource, `Resources.${id}`);
  walk(template.Outputs, 'Outputs');
  return problems;
}

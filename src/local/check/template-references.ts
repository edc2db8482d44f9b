/**
 * Every Ref, Fn::GetAtt and Fn::Sub variable of a template must name a parameter, a
 * pseudo parameter or a resource (with an attribute it has): a typo here otherwise
 * surfaces only when CloudFormation rejects the change set
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-ref.html,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-getatt.html,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html).
 */
import type { Template } from '../template/parse-template.js';
import type { Findings } from './findings.js';
import { isPlainObject } from './resource-spec.js';

// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
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

/** `${Name}` and `${Resource.Attribute}` of a Sub string; `${!Literal}` is no variable. */
const SUB_VARIABLE = /\$\{([^!}][^}]*)\}/g;

/**
 * Reports each reference that names nothing. `attributesOf(type)`: the attributes a
 * resource type has, or undefined when unknown (then any attribute passes).
 */
export function checkReferences(
  template: Template,
  attributesOf: (type: string) => readonly string[] | undefined,
  findings: Findings,
): void {
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const resources = template.Resources;

  const checkRef = (name: string, path: string) => {
    if (!parameters.has(name) && !PSEUDO_PARAMETERS.has(name) && !(name in resources)) {
      findings.problem(path, `Ref ${name} names no parameter or resource`);
    }
  };
  const checkGetAtt = (resource: string, attribute: string, path: string) => {
    const target = resources[resource];
    if (!target) {
      findings.problem(path, `GetAtt ${resource}.${attribute} names no resource`);
      return;
    }
    const known = attributesOf(target.Type);
    if (known && !known.includes(attribute)) {
      findings.problem(
        path,
        `${target.Type} has no attribute ${attribute} (it has ${known.join(', ')})`,
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
        const [resource, attribute] = Array.isArray(argument)
          ? argument
          : typeof argument === 'string'
            ? [argument.slice(0, argument.indexOf('.')), argument.slice(argument.indexOf('.') + 1)]
            : [];
        if (typeof resource !== 'string' || typeof attribute !== 'string' || resource === '') {
          findings.problem(path, 'Fn::GetAtt needs [resource, attribute]');
        } else checkGetAtt(resource, attribute, path);
      } else if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
        const local = new Set(Object.keys(isPlainObject(variables) ? variables : {}));
        for (const match of String(text).matchAll(SUB_VARIABLE)) {
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

  // Paths as check names them everywhere: `<LogicalId>.<Property>`, without `.Properties`.
  for (const [id, resource] of Object.entries(resources)) {
    for (const [key, value] of Object.entries(resource)) {
      walk(value, key === 'Properties' ? id : `${id}.${key}`);
    }
  }
  walk(template.Outputs, 'Outputs');
}

/**
 * What CloudFormation (and SAM's transform) would refuse in a template's resources before
 * any of them is created: a SAM resource without the SAM transform, a key that is no
 * resource attribute, a property the resource type does not have or a value of the wrong
 * type (against the resource specification), and a reference to nothing.
 */
import type { Template, TemplateResource } from '../template/parse-template.js';
import type { Findings } from './findings.js';
import {
  attributesOf,
  isPlainObject,
  loadResourceSpec,
  RESOURCE_SPEC_PACKAGE,
} from './resource-spec.js';
import { checkReferences } from './template-references.js';

const SAM_TRANSFORM = 'AWS::Serverless-2016-10-31';

// The keys a resource declaration may have
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html,
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-product-attribute-reference.html).
const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'Metadata',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'CreationPolicy',
  'UpdatePolicy',
]);

/** A SAM policy template (`CodePipelineLambdaExecutionPolicy: {}`): one key, not a policy document's. */
function isPolicyTemplate(item: unknown): boolean {
  if (!isPlainObject(item)) return false;
  const keys = Object.keys(item);
  return (
    keys.length === 1 &&
    !['Statement', 'Version', 'Ref'].includes(keys[0] ?? '') &&
    !keys[0]?.startsWith('Fn::')
  );
}

/**
 * SAM merges `Globals.Function` into every function; check what SAM would deploy. The
 * spec lists only some of SAM's policy templates (34 of them, CodePipelineLambdaExecutionPolicy
 * not among them), so policy templates are left to SAM's own transform.
 */
function deployedProperties(template: Template, resource: TemplateResource) {
  if (resource.Type !== 'AWS::Serverless::Function') return resource.Properties ?? {};
  const globals = template.Globals?.Function;
  const properties = { ...(isPlainObject(globals) ? globals : {}), ...(resource.Properties ?? {}) };
  if (Array.isArray(properties.Policies)) {
    properties.Policies = properties.Policies.filter((item) => !isPolicyTemplate(item));
  } else if (isPolicyTemplate(properties.Policies)) delete properties.Policies;
  return properties;
}

/** Checks every resource of `template`; findings are named `<LogicalId>.<Property>`. */
export function checkResources(template: Template, findings: Findings): void {
  const resources = Object.entries(template.Resources);
  // A template with AWS::Serverless:: resources needs SAM's transform
  // (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy.html).
  const transforms = [template.Transform ?? []].flat();
  const sam = resources.find(([, resource]) => resource.Type?.startsWith('AWS::Serverless::'));
  if (sam !== undefined && !transforms.includes(SAM_TRANSFORM)) {
    findings.problem(
      'Transform',
      `must include ${SAM_TRANSFORM}: ${sam[0]} is an ${sam[1].Type}, which only SAM's transform turns into CloudFormation`,
    );
  }
  for (const [id, resource] of resources) {
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key)) {
        findings.problem(
          `${id}.${key}`,
          `not a resource attribute (a resource has ${[...RESOURCE_KEYS].join(', ')}; properties go under Properties)`,
        );
      }
    }
  }
  const spec = loadResourceSpec();
  if (spec === undefined) {
    findings.warning(
      'Resources',
      `property names and types are not checked: install ${RESOURCE_SPEC_PACKAGE} (npm install --save-dev ${RESOURCE_SPEC_PACKAGE}) for the CloudFormation resource specification`,
    );
    checkReferences(template, () => undefined, findings);
    return;
  }
  for (const [id, resource] of resources) {
    // Custom resources and third-party types are not in the spec; CloudFormation knows them.
    if (resource.Type?.startsWith('Custom::')) continue;
    const type = spec.resource(resource.Type);
    if (!type) {
      findings.problem(`${id}.Type`, `${resource.Type} is not in the resource specification`);
      continue;
    }
    for (const problem of spec.checkProperties(type, deployedProperties(template, resource), id)) {
      findings.problem(problem.path, problem.message);
    }
  }
  checkReferences(template, (type) => attributesOf(spec, type), findings);
}

/**
 * The CloudFormation resource specification (the registry schemas of every `AWS::`
 * resource type plus SAM's `AWS::Serverless::` ones, as @aws-cdk/aws-service-spec ships
 * them in db.json.gz), and a checker of a resource's property values against it: what
 * CloudFormation's own validation would refuse at deploy time
 * (https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html).
 * The spec package is not a dependency of the CLI: without it, `check` says how to add it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export type SpecType =
  | { type: 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'date-time' | 'tag' | 'null' }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'union'; types: SpecType[] };

export interface SpecProperty {
  type: SpecType;
  required?: boolean;
  /** Types the property had before; CloudFormation still accepts them. */
  previousTypes?: SpecType[];
}

export interface SpecResource {
  cloudFormationType: string;
  properties: Record<string, SpecProperty>;
  attributes: Record<string, unknown>;
}

/** A value CloudFormation would refuse: where (`Pipeline.ArtifactStore.Type`) and why. */
export interface SpecProblem {
  readonly path: string;
  readonly message: string;
}

interface SpecTypeDefinition {
  $id: string;
  name: string;
  properties: Record<string, SpecProperty>;
}

export class ResourceSpec {
  readonly #resources: Map<string, SpecResource>;
  readonly #types: Map<string, SpecTypeDefinition>;

  constructor(resources: SpecResource[], types: SpecTypeDefinition[]) {
    this.#resources = new Map(resources.map((resource) => [resource.cloudFormationType, resource]));
    this.#types = new Map(types.map((type) => [type.$id, type]));
  }

  resource(type: string): SpecResource | undefined {
    return this.#resources.get(type);
  }

  /** Problems of `properties` as the properties of a resource of `type`, each with its path below `path`. */
  checkProperties(
    type: SpecResource,
    properties: Record<string, unknown>,
    path: string,
  ): SpecProblem[] {
    return this.#checkObject(type.properties, properties, path);
  }

  #checkObject(shape: Record<string, SpecProperty>, value: unknown, path: string): SpecProblem[] {
    if (isIntrinsic(value)) return [];
    if (!isPlainObject(value))
      return [{ path, message: `expected an object, got ${describe(value)}` }];
    const problems: SpecProblem[] = [];
    for (const [key, item] of Object.entries(value)) {
      const property = shape[key];
      if (!property) {
        const hint = closest(key, Object.keys(shape));
        problems.push({
          path: `${path}.${key}`,
          message: `unknown property${hint ? ` (did you mean ${hint}?)` : ''}`,
        });
        continue;
      }
      const candidates = [property.type, ...(property.previousTypes ?? [])];
      const attempts = candidates.map((type) => this.#checkValue(type, item, `${path}.${key}`));
      if (!attempts.some((found) => found.length === 0)) problems.push(...fewest(attempts));
    }
    for (const [key, property] of Object.entries(shape)) {
      if (property.required && !(key in value)) {
        problems.push({ path, message: `required property ${key} is missing` });
      }
    }
    return problems;
  }

  #checkValue(type: SpecType, value: unknown, path: string): SpecProblem[] {
    // An intrinsic's result is known only at deploy time; its references are checked elsewhere.
    if (isIntrinsic(value)) return [];
    switch (type.type) {
      case 'json':
        return [];
      case 'string':
      case 'date-time':
        return ['string', 'number', 'boolean'].includes(typeof value)
          ? []
          : [{ path, message: `expected a string, got ${describe(value)}` }];
      case 'number':
      case 'integer': {
        const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        if (typeof number !== 'number' || !Number.isFinite(number)) {
          return [
            {
              path,
              message: `expected a${type.type === 'integer' ? 'n integer' : ' number'}, got ${describe(value)}`,
            },
          ];
        }
        return type.type === 'integer' && !Number.isInteger(number)
          ? [{ path, message: `expected an integer, got ${number}` }]
          : [];
      }
      case 'boolean':
        return typeof value === 'boolean' || value === 'true' || value === 'false'
          ? []
          : [{ path, message: `expected a boolean, got ${describe(value)}` }];
      case 'null':
        return value === null ? [] : [{ path, message: `expected null, got ${describe(value)}` }];
      case 'tag':
        return this.#checkObject(
          {
            Key: { type: { type: 'string' }, required: true },
            Value: { type: { type: 'string' }, required: true },
          },
          value,
          path,
        );
      case 'array':
        if (!Array.isArray(value))
          return [{ path, message: `expected a list, got ${describe(value)}` }];
        return value.flatMap((item, index) =>
          this.#checkValue(type.element, item, `${path}[${index}]`),
        );
      case 'map':
        if (!isPlainObject(value))
          return [{ path, message: `expected a map, got ${describe(value)}` }];
        return Object.entries(value).flatMap(([key, item]) =>
          this.#checkValue(type.element, item, `${path}.${key}`),
        );
      case 'ref': {
        const definition = this.#types.get(type.reference.$ref);
        return definition ? this.#checkObject(definition.properties, value, path) : [];
      }
      case 'union': {
        const attempts = type.types.map((member) => this.#checkValue(member, value, path));
        return attempts.some((found) => found.length === 0) ? [] : fewest(attempts);
      }
    }
  }
}

/** The package the spec comes from; `check` skips the spec rules (with a warning) without it. */
export const RESOURCE_SPEC_PACKAGE = '@aws-cdk/aws-service-spec';

let cached: ResourceSpec | null | undefined;

/**
 * Loads the spec once per process (the file is ~15 MB of JSON); undefined when
 * @aws-cdk/aws-service-spec is not installed.
 */
export function loadResourceSpec(): ResourceSpec | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const require = createRequire(import.meta.url);
  let root: string;
  try {
    root = dirname(require.resolve(`${RESOURCE_SPEC_PACKAGE}/package.json`));
  } catch {
    cached = null;
    return undefined;
  }
  const db = JSON.parse(gunzipSync(readFileSync(join(root, 'db.json.gz'))).toString('utf8')) as {
    schema: {
      resource: { entities: SpecResource[] };
      typeDefinition: { entities: SpecTypeDefinition[] };
    };
  };
  cached = new ResourceSpec(db.schema.resource.entities, db.schema.typeDefinition.entities);
  return cached;
}

/** The attribute names of `type` (a SAM function has those of the Lambda function it becomes); undefined when unknown. */
export function attributesOf(spec: ResourceSpec, type: string): string[] | undefined {
  const resource = spec.resource(
    type === 'AWS::Serverless::Function' ? 'AWS::Lambda::Function' : type,
  );
  const names = Object.keys(resource?.attributes ?? {});
  return names.length > 0 ? names : undefined;
}

export function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0]?.startsWith('Fn::') ?? false));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The problems of the alternative that came closest to matching. */
function fewest(attempts: SpecProblem[][]): SpecProblem[] {
  return attempts.reduce((best, found) => (found.length < best.length ? found : best));
}

/** A known name within edit distance 2 of `name`, for "did you mean". */
export function closest(name: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The environment of a handler process: the CLI's own (PATH, LOG_LEVEL, ...), minus
 * anything that could reach a real AWS account, plus the local endpoints and dummy
 * keys, plus what Lambda itself sets, plus the function's own variables.
 */
import type { LocalEnvironment } from '../environment.js';

export interface FunctionEnvironment {
  readonly functionName: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The function's `Environment.Variables`. */
  readonly variables?: Readonly<Record<string, string>>;
}

/** Credential sources an SDK would otherwise find in the CLI's environment. */
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
];

export function handlerEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  local: Pick<LocalEnvironment, 'env' | 'envToUnset'>,
  fn: FunctionEnvironment,
): Record<string, string> {
  const env: Record<string, string> = {};
  const drop = new Set([...CREDENTIAL_VARIABLES, ...local.envToUnset]);
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !drop.has(name)) env[name] = value;
  }
  return {
    ...env,
    ...(fn.variables ?? {}),
    ...local.env,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(fn.timeoutSeconds),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
  };
}

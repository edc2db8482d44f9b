import type { Redactor } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What the framework and user code log through: `job.logger`. */
export interface JobLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/**
 * The part of a Powertools for AWS Lambda `Logger` that the framework uses. Passing
 * one in the options makes it the job's logger; the job id is appended as a key.
 */
export interface PowertoolsLikeLogger {
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
  appendKeys?(keys: Record<string, unknown>): void;
  removeKeys?(keys: string[]): void;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The level set by `LOG_LEVEL`, `POWERTOOLS_LOG_LEVEL` or Lambda's `AWS_LAMBDA_LOG_LEVEL`. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const raw = (env.LOG_LEVEL ?? env.POWERTOOLS_LOG_LEVEL ?? env.AWS_LAMBDA_LOG_LEVEL ?? 'info')
    .toLowerCase()
    .replace('warning', 'warn');
  return raw in LEVELS ? (raw as LogLevel) : 'info';
}

export type LogSink = (line: string) => void;

const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

/**
 * A structured JSON logger: one line per entry with `level`, `message`, `timestamp`,
 * the bound keys (the job id) and the extra fields, every string passed through the
 * job's redactor.
 */
export function createJsonLogger(options: {
  keys: Record<string, unknown>;
  redactor: Redactor;
  level?: LogLevel;
  sink?: LogSink;
}): JobLogger {
  const threshold = LEVELS[options.level ?? logLevelFromEnv()];
  const sink = options.sink ?? stdoutSink;
  const write = (level: LogLevel, message: string, extra?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const entry = {
      level: level.toUpperCase(),
      message: options.redactor.redact(message),
      timestamp: new Date().toISOString(),
      ...options.keys,
    };
    let line: string;
    try {
      line = JSON.stringify(
        { ...entry, ...(extra ? (options.redactor.redactValue(extra) as object) : {}) },
        bigIntAsText,
      );
    } catch {
      // Logging must never stop a job from being answered: extras that cannot be read
      // (a throwing getter, a revoked Proxy thrown by user code) cost their fields only.
      line = JSON.stringify({ ...entry, logError: 'the extra fields could not be serialized' });
    }
    sink(line);
  };
  return {
    debug: (message, extra) => write('debug', message, extra),
    info: (message, extra) => write('info', message, extra),
    warn: (message, extra) => write('warn', message, extra),
    error: (message, extra) => write('error', message, extra),
  };
}

/** JSON.stringify cannot write a BigInt (user code may throw or log one): write its digits. */
function bigIntAsText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Wraps a Powertools-style logger so extras are redacted like ours. */
export function wrapPowertoolsLogger(logger: PowertoolsLikeLogger, redactor: Redactor): JobLogger {
  const forward =
    (level: LogLevel) =>
    (message: string, extra?: Record<string, unknown>): void => {
      const text = redactor.redact(message);
      if (extra) logger[level](text, redactor.redactValue(extra) as Record<string, unknown>);
      else logger[level](text);
    };
  return {
    debug: forward('debug'),
    info: forward('info'),
    warn: forward('warn'),
    error: forward('error'),
  };
}

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
/** `level` of a line, spelled once here rather than upper-cased per line. */
const LEVEL_NAMES: Record<LogLevel, string> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

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
  const { keys, redactor } = options;
  // Runs once per job at least (the "Reported" line): one object, one JSON.stringify
  // without a replacer (redactValue already wrote BigInts as text), no copies.
  const write = (level: LogLevel, message: string, extra?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const entry: Record<string, unknown> = {
      level: LEVEL_NAMES[level],
      message: redactor.redact(message),
      timestamp: new Date().toISOString(),
      ...keys,
    };
    let line: string;
    try {
      if (extra) Object.assign(entry, redactor.redactValue(extra));
      line = JSON.stringify(entry);
    } catch {
      // Logging must never stop a job from being answered: extras that cannot be read
      // (a throwing getter, a revoked Proxy thrown by user code) cost their fields only.
      line = JSON.stringify({
        level: entry.level,
        message: entry.message,
        timestamp: entry.timestamp,
        ...(redactor.redactValue(keys) as object),
        logError: 'the extra fields could not be serialized',
      });
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

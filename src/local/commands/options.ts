/** Readers for option values shared by `invoke` and `pipeline`: checked, or a UsageError. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ParsedOptions, UsageError } from './command.js';

export function stringList(value: ParsedOptions[string]): string[] {
  if (value === undefined || typeof value === 'boolean') return [];
  return typeof value === 'string' ? [value] : value;
}

export function stringOption(value: ParsedOptions[string]): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `Name=value` pairs, in order; a repeated name is a usage error. */
export function namedValues(value: ParsedOptions[string], option: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const item of stringList(value)) {
    const equals = item.indexOf('=');
    const name = item.slice(0, equals);
    if (equals <= 0 || equals === item.length - 1) {
      throw new UsageError(`--${option} takes Name=value (got '${item}')`);
    }
    if (pairs.has(name)) throw new UsageError(`--${option} ${name} is given twice`);
    pairs.set(name, item.slice(equals + 1));
  }
  return pairs;
}

/** A positive number of seconds (fractions allowed), as milliseconds. */
export function secondsOption(
  value: ParsedOptions[string],
  option: string,
  fallback: number,
): number {
  const text = stringOption(value);
  if (text === undefined) return fallback * 1000;
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError(`--${option} must be a number of seconds (got '${text}')`);
  }
  return Math.round(seconds * 1000);
}

export function positiveIntegerOption(
  value: ParsedOptions[string],
  option: string,
  fallback: number,
): number {
  const text = stringOption(value);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new UsageError(`--${option} must be a whole number from 1 (got '${text}')`);
  }
  return Number(text);
}

/** `--params`: inline text, or `@file` for a file's contents (as CodePipeline gets it). */
export function userParametersOption(
  value: ParsedOptions[string],
  cwd: string,
): string | undefined {
  const text = stringOption(value);
  if (text === undefined) return undefined;
  if (!text.startsWith('@')) return text;
  const file = resolve(cwd, text.slice(1));
  if (!existsSync(file)) throw new UsageError(`--params ${text}: ${file} does not exist`);
  // A trailing newline is an editor's, not part of the parameters.
  return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}

import { isAbsolute, relative } from 'node:path';

/** A path as the user would type it: relative to cwd when inside it, else absolute. */
export function displayPath(cwd: string, path: string): string {
  const shown = relative(cwd, path);
  return shown === '' ? '.' : shown.startsWith('..') || isAbsolute(shown) ? path : shown;
}

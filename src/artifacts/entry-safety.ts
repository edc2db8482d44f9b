/**
 * Which zip entry names and kinds are safe to turn into files. Archive names come
 * from whoever built the artifact; a name like `../../etc/x`, `/etc/x`, `C:/x` or
 * `..\x` (a separator on Windows and in some zip tools) would write outside the
 * target ("zip slip"), and a symlink entry would let a later entry write through it.
 */
import path from 'node:path';

/** Unix file-type bits in the high 16 bits of a zip entry's external attributes. */
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** Linux's PATH_MAX and NAME_MAX, in bytes: no file system we write to takes longer. */
const MAX_PATH_BYTES = 4096;
const MAX_SEGMENT_BYTES = 255;

/** Why `name` is not a safe relative path, or undefined when it is. */
export function unsafePathReason(name: string): string | undefined {
  if (name.length === 0) return 'it has an empty name';
  // Refused up front, before anything is written, instead of failing midway on ENAMETOOLONG.
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_PATH_BYTES) {
    return `its name is ${bytes} bytes, longer than a file path may be (${MAX_PATH_BYTES})`;
  }
  const longest = Math.max(...name.split('/').map((segment) => Buffer.byteLength(segment)));
  if (longest > MAX_SEGMENT_BYTES) {
    return `a part of its name is ${longest} bytes, longer than a file name may be (${MAX_SEGMENT_BYTES})`;
  }
  if (name.includes('\0')) return 'its name contains a NUL character';
  if (name.includes('\\')) return 'its name contains a backslash (a path separator on Windows)';
  if (name.startsWith('/')) return 'it is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'it starts with a drive letter';
  if (name.split('/').includes('..')) return 'it contains a ".." path segment';
  return undefined;
}

/** Characters of an entry name quoted in a message before it is cut. */
const QUOTED_NAME_CHARS = 200;

/**
 * An entry name in double quotes for an error message, cut to its first
 * QUOTED_NAME_CHARS characters (with its full length) when longer: a hostile name of
 * tens of kilobytes would otherwise fill the failure message CodePipeline shows
 * (5,000 characters) and push out the reason it was refused.
 */
export function quoteEntryName(name: string): string {
  if (name.length <= QUOTED_NAME_CHARS) return `"${name}"`;
  let cut = QUOTED_NAME_CHARS;
  // Never split a surrogate pair.
  const code = name.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `"${name.slice(0, cut)}…" (${name.length} characters)`;
}

/** Why an entry's type is not a plain file or directory, or undefined when it is. */
export function unsafeTypeReason(externalFileAttributes: number): string | undefined {
  const type = (externalFileAttributes >>> 16) & S_IFMT;
  if (type === 0 || type === S_IFREG || type === S_IFDIR) return undefined;
  if (type === S_IFLNK) return 'it is a symbolic link';
  return `it is a special file (unix mode ${type.toString(8)})`;
}

/** Directory entries end with a slash (and some tools also set the MS-DOS directory bit). */
export function isDirectoryEntry(name: string, externalFileAttributes: number): boolean {
  return name.endsWith('/') || ((externalFileAttributes >>> 16) & S_IFMT) === S_IFDIR;
}

/**
 * The absolute path `name` lands on inside `root`, or undefined when it would land
 * outside (or on `root` itself). A second line of defence after `unsafePathReason`:
 * it checks the resolved path, whatever the name looked like.
 */
export function resolveInside(root: string, name: string): string | undefined {
  const base = path.resolve(root);
  const target = path.resolve(base, name);
  const relative = path.relative(base, target);
  if (
    relative === '' ||
    relative === '..' ||
    relative.startsWith(`..${path.sep}`) ||
    path.isAbsolute(relative)
  ) {
    return undefined;
  }
  return target;
}

/**
 * What an entry name writes to, for spotting duplicates: `a//b`, `./a/b` and `a/b/`
 * all land on `a/b`, so a second one would silently replace what the first wrote
 * (and what `read` returned).
 */
export function sameFileKey(name: string): string {
  return path.posix
    .normalize(name)
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
}

/**
 * The name a caller's path refers to in the archive: `./a//b` and `a/b` mean the
 * same entry. Returns undefined for paths no safe entry can have.
 */
export function normalizeLookupPath(requested: string): string | undefined {
  if (unsafePathReason(requested) !== undefined) return undefined;
  const normalized = path.posix.normalize(requested).replace(/^(\.\/)+/, '');
  return normalized === '.' || normalized === '' ? undefined : normalized;
}

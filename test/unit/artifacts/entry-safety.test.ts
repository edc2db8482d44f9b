import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isDirectoryEntry,
  normalizeLookupPath,
  quoteEntryName,
  resolveInside,
  unsafePathReason,
  unsafeTypeReason,
} from '../../../src/artifacts/entry-safety.js';

const ROOT = path.resolve('/tmp/extract-root');

describe('Function: unsafePathReason', () => {
  it.each([
    ['../evil.txt', '".."'],
    ['a/../../evil.txt', '".."'],
    ['a/b/..', '".."'],
    ['..\\evil.txt', 'backslash'],
    ['a\\b.txt', 'backslash'],
    ['/etc/passwd', 'absolute'],
    ['C:/evil.txt', 'drive letter'],
    ['c:evil.txt', 'drive letter'],
    ['', 'empty'],
    ['a\0b', 'NUL'],
  ])('refuses %j', (name, reason) => {
    // Act
    const result = unsafePathReason(name);

    // Assess
    expect(result).toContain(reason);
  });

  it.each([
    'README.md',
    'a/b/c.txt',
    'dir/',
    '..foo',
    'a/..b/c',
    'notes:v2.txt',
    './a.txt',
    'ünïcode/ファイル',
  ])('accepts %j', (name) => {
    // Act
    const result = unsafePathReason(name);

    // Assess
    expect(result).toBeUndefined();
  });

  it('never accepts a name that resolves outside the target (property)', () => {
    // Prepare
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '', 'a', 'b', 'C:', '\\', '..\\..', '/'),
      fc.string({ maxLength: 4 }),
    );
    const name = fc.array(segment, { maxLength: 6 }).map((parts) => parts.join('/'));

    // Act & Assess
    fc.assert(
      fc.property(name, (candidate) => {
        if (unsafePathReason(candidate) !== undefined) return;
        const target = resolveInside(ROOT, candidate);
        // Safe names land strictly inside the root, or (".", "a/.") on the root itself.
        if (target !== undefined) expect(target.startsWith(`${ROOT}${path.sep}`)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every name with a ".." segment wherever it sits (property)', () => {
    // Prepare
    const parts = fc.array(fc.stringMatching(/^[a-z.]{0,3}$/), { maxLength: 4 });

    // Act & Assess
    fc.assert(
      fc.property(parts, parts, (before, after) => {
        const name = [...before, '..', ...after].join('/');
        expect(unsafePathReason(name)).toBeDefined();
      }),
    );
  });
});

describe('Function: resolveInside', () => {
  it('resolves a nested name inside the root', () => {
    // Act
    const target = resolveInside(ROOT, 'a/b.txt');

    // Assess
    expect(target).toBe(path.join(ROOT, 'a', 'b.txt'));
  });

  it.each(['../x', '/etc/x', 'a/../../x', '.', ''])('refuses %j', (name) => {
    // Act
    const target = resolveInside(ROOT, name);

    // Assess
    expect(target).toBeUndefined();
  });

  it('accepts a file whose name starts with two dots', () => {
    // Act
    const target = resolveInside(ROOT, '..hidden');

    // Assess
    expect(target).toBe(path.join(ROOT, '..hidden'));
  });
});

describe('Function: unsafeTypeReason', () => {
  it.each([
    [0o120777 << 16, 'symbolic link'],
    [0o020644 << 16, 'special file'],
    [0o010644 << 16, 'special file'],
  ])('refuses mode %o', (attributes, reason) => {
    // Act
    const result = unsafeTypeReason(attributes >>> 0);

    // Assess
    expect(result).toContain(reason);
  });

  it.each([0, (0o100644 << 16) >>> 0, (0o040755 << 16) >>> 0, 0x20])(
    'accepts regular files, directories and DOS attributes (%d)',
    (attributes) => {
      // Act
      const result = unsafeTypeReason(attributes);

      // Assess
      expect(result).toBeUndefined();
    },
  );
});

describe('Function: isDirectoryEntry', () => {
  it('treats a trailing slash or a directory mode as a directory', () => {
    // Act
    const results = [
      isDirectoryEntry('a/', 0),
      isDirectoryEntry('a', (0o040755 << 16) >>> 0),
      isDirectoryEntry('a', (0o100644 << 16) >>> 0),
    ];

    // Assess
    expect(results).toEqual([true, true, false]);
  });
});

describe('Function: normalizeLookupPath', () => {
  it.each([
    ['./a//b.txt', 'a/b.txt'],
    ['a/./b.txt', 'a/b.txt'],
    ['README.md', 'README.md'],
  ])('normalizes %j to %j', (requested, expected) => {
    // Act
    const result = normalizeLookupPath(requested);

    // Assess
    expect(result).toBe(expected);
  });

  it.each(['../x', '/abs', '.', ''])('has no entry for %j', (requested) => {
    // Act
    const result = normalizeLookupPath(requested);

    // Assess
    expect(result).toBeUndefined();
  });
});

describe('Function: quoteEntryName', () => {
  it('quotes a short name whole', () => {
    // Act
    const quoted = quoteEntryName('dist/app.js');

    // Assess
    expect(quoted).toBe('"dist/app.js"');
  });

  it('cuts a long name to its first 200 characters and says how long it was', () => {
    // Prepare
    const name = `${'a'.repeat(199)}b${'c'.repeat(59_800)}`;

    // Act
    const quoted = quoteEntryName(name);

    // Assess
    expect(quoted).toBe(`"${'a'.repeat(199)}b…" (60000 characters)`);
  });

  it('never splits a surrogate pair at the cut', () => {
    // Prepare: an emoji (two UTF-16 units) straddling character 200.
    const name = `${'a'.repeat(199)}😀${'z'.repeat(500)}`;

    // Act
    const quoted = quoteEntryName(name);

    // Assess
    expect(quoted).toBe(`"${'a'.repeat(199)}…" (${name.length} characters)`);
  });
});

import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EntryDeflater } from '../../../src/artifacts/entry-deflater.js';

describe('Class: EntryDeflater', () => {
  it('makes each entry a deflate stream of its own, in call order, with calls overlapping', async () => {
    // Prepare: text that refers back to itself, noise, an empty entry and a repeat of
    // the first (which must not refer back into the entry before it).
    const text = Buffer.from('export const value = 42;\n'.repeat(4000));
    const entries = [text, randomBytes(70_000), Buffer.alloc(0), text];
    const deflater = new EntryDeflater(6);

    // Act
    const deflated = await Promise.all(entries.map((entry) => deflater.deflate(entry)));
    deflater.close();

    // Assess
    expect(deflated.map((bytes) => inflateRawSync(bytes))).toEqual(entries);
    expect(deflated[0]?.length).toBeLessThan(text.length / 20);
    expect(deflated[3]).toEqual(deflated[0]);
  });
});

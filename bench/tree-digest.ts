/**
 * A digest of a directory tree (every folder's path, every file's path, mode class
 * and contents), to check that an extraction or a round trip gave back exactly the
 * tree that was zipped, not just the right number of bytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function treeDigest(root: string): Promise<string> {
  const digest = createHash('sha256');
  const walk = async (absolute: string, relative: string): Promise<void> => {
    const entries = await readdir(absolute, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const full = join(absolute, entry.name);
      if (entry.isDirectory()) {
        digest.update(`dir ${path}\n`);
        await walk(full, path);
      } else if (entry.isFile()) {
        digest.update(`file ${path}\n`);
        const content = createHash('sha256');
        for await (const chunk of createReadStream(full)) content.update(chunk as Buffer);
        digest.update(content.digest());
      } else {
        digest.update(`other ${path}\n`);
      }
    }
  };
  await walk(root, '');
  return digest.digest('hex');
}

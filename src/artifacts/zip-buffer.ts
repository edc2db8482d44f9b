/**
 * Whole zips in memory, for small artifacts: the testing kit's fixtures and results and
 * the local CLI's sample artifacts. They go through the same writer/yauzl code as real
 * artifacts (zipStream, ZipArchive), so the package has one zip implementation and
 * needs no other zip library.
 */
import { BufferSource } from './byte-source.js';
import { DEFAULT_ARTIFACT_LIMITS } from './limits.js';
import { ZipArchive } from './zip-reader.js';
import { type ZipSource, zipStream } from './zip-writer.js';

/** Files of an in-memory zip: path inside the zip → content. */
export type ZipFiles = Record<string, string | Uint8Array>;

/**
 * Zips in-memory files (paths `/`-separated), in the order given. Each folder gets its
 * own entry before its first file, as zip tools write them (`a/`, `a/b/`, then
 * `a/b/c.txt`).
 */
export async function zipBuffer(files: ZipFiles, label = 'in-memory zip'): Promise<Buffer> {
  const sources: ZipSource[] = [];
  const folders = new Set<string>();
  for (const [name, content] of Object.entries(files)) {
    const parts = name.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const folder = `${parts.slice(0, depth).join('/')}/`;
      if (!folders.has(folder)) {
        folders.add(folder);
        sources.push({ name: folder, kind: 'directory' });
      }
    }
    sources.push({ name, kind: 'bytes', data: Buffer.from(content) });
  }
  return Buffer.concat(await zipStream(sources, { level: 6, label }).toArray());
}

/** The files of a zip held in memory (path → content), directories left out. */
export async function unzipBuffer(
  zip: Buffer,
  label = 'in-memory zip',
): Promise<Record<string, Buffer>> {
  const limits = DEFAULT_ARTIFACT_LIMITS;
  const archive = await ZipArchive.open(new BufferSource(zip), label, limits);
  const files: Record<string, Buffer> = {};
  for (const entry of archive.entries) {
    if (entry.isDirectory) continue;
    files[entry.path] = archive.isSmall(entry)
      ? await archive.readSmallEntry(entry, limits.maxEntryBytes)
      : Buffer.concat(await (await archive.openEntry(entry, limits.maxEntryBytes)).toArray());
  }
  return files;
}

/**
 * Build-output-like content for the extract and output-write figures: a directory tree
 * of many source-like text files of varied sizes (compressible), a few larger
 * minified bundles (compressible, less so) and binary assets of random bytes
 * (incompressible: images, fonts, archives), in nested folders. The same tree is
 * zipped here with native zlib, the way Info-ZIP's `zip -r` builds an artifact: a
 * directory entry per folder, deflate (level 6) where it shrinks the file, stored
 * where it would not. Generation stops once the zip reaches the size asked for, so
 * "a 200 MiB artifact" means the zip, whatever the tree's own size.
 * Everything comes from a seeded PRNG: every run measures the same bytes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { DOS_DATE, endOfCentralDirectory } from './zip-records.js';

export interface TreeSpec {
  /** The zip stops growing at the first file that takes it past this size. */
  readonly zipBytes: number;
}

export interface Tree {
  /** The folder holding the generated files. */
  readonly directory: string;
  readonly zipFile: string;
  readonly zipBytes: number;
  readonly files: number;
  readonly directories: number;
  /** Uncompressed bytes of all files. */
  readonly treeBytes: number;
  /** Of which random (incompressible, stored in the zip). */
  readonly binaryBytes: number;
  readonly deflatedEntries: number;
  readonly storedEntries: number;
}

const VERSION = 20;

/** mulberry32: tiny, fast, and good enough to pick words and sizes. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'const',
  'let',
  'return',
  'await',
  'async',
  'function',
  'export',
  'import',
  'from',
  'if',
  'else',
  'for',
  'of',
  'new',
  'this',
  'throw',
  'Error',
  'string',
  'number',
  'boolean',
  'undefined',
  'null',
  'true',
  'false',
  'interface',
  'type',
  'readonly',
  'options',
  'result',
  'value',
  'index',
  'length',
  'config',
  'request',
  'response',
  'handler',
  'event',
  'context',
  'artifact',
  'pipeline',
  'stage',
  'action',
  'job',
  'bucket',
  'key',
  'client',
  'logger',
  'status',
  'message',
  'items',
  'map',
  'filter',
  'reduce',
  'push',
  'Promise',
  'Buffer',
  'JSON',
  'parse',
  'stringify',
];

/** A pool of code-like lines; files draw from it, as real sources repeat their idioms. */
function linePool(random: () => number): Buffer[] {
  const word = () => WORDS[Math.floor(random() * WORDS.length)] as string;
  const ident = () => `${word()}${Math.floor(random() * 1000).toString(36)}`;
  const templates = [
    () => `  const ${ident()} = await ${ident()}.${word()}(${ident()}, ${ident()});`,
    () => `  if (${ident()} === ${word()}) return ${ident()};`,
    () => `export function ${ident()}(${ident()}: ${word()}): ${word()} {`,
    () =>
      `  ${ident()}.${word()}({ ${word()}: ${ident()}, ${word()}: ${Math.floor(random() * 1e6)} });`,
    () => `import { ${ident()}, ${ident()} } from './${word()}/${ident()}.js';`,
    () => `  // ${word()} ${word()} ${word()} ${word()} ${word()} ${word()} ${word()}`,
    () => `  throw new Error(\`${word()} ${word()} \${${ident()}} ${word()}\`);`,
    () => '}',
    () => '',
  ];
  return Array.from({ length: 4000 }, () => {
    const template = templates[Math.floor(random() * templates.length)] as () => string;
    return Buffer.from(`${template()}\n`);
  });
}

function textFile(random: () => number, pool: readonly Buffer[], size: number): Buffer {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const line = pool[Math.floor(random() * pool.length)] as Buffer;
    parts.push(line);
    length += line.length;
  }
  return Buffer.concat(parts, length).subarray(0, size);
}

/** Log-uniform between min and max: many small files, a few big ones. */
function logUniform(random: () => number, min: number, max: number): number {
  return Math.round(Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min))));
}

interface Planned {
  readonly path: string;
  readonly content: Buffer;
  readonly binary: boolean;
}

function* plannedFiles(random: () => number): Generator<Planned> {
  const pool = linePool(random);
  const KiB = 1024;
  for (let n = 0; ; n++) {
    const roll = random();
    const folder = `pkg-${Math.floor(n / 150)}`;
    if (roll < 0.92) {
      const ext = ['ts', 'js', 'json', 'md', 'css', 'map'][Math.floor(random() * 6)];
      const sub = ['src', 'src/lib', 'src/util', 'test', 'docs'][Math.floor(random() * 5)];
      yield {
        path: `${folder}/${sub}/file-${n}.${ext}`,
        content: textFile(random, pool, logUniform(random, 200, 96 * KiB)),
        binary: false,
      };
    } else if (roll < 0.94) {
      yield {
        path: `${folder}/dist/bundle-${n}.min.js`,
        content: textFile(random, pool, logUniform(random, 256 * KiB, 2048 * KiB)),
        binary: false,
      };
    } else {
      const ext = ['png', 'woff2', 'jpg', 'gz', 'so'][Math.floor(random() * 5)];
      // Real random bytes, not the PRNG's: deflate must find nothing to squeeze.
      yield {
        path: `${folder}/assets/asset-${n}.${ext}`,
        content: randomBytes(logUniform(random, 8 * KiB, 2048 * KiB)),
        binary: true,
      };
    }
  }
}

interface Central {
  readonly name: Buffer;
  readonly offset: number;
  readonly crc: number;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly mode: number;
}

/** Writes the tree under `root/tree` and its zip as `root/artifact.zip`. */
export async function makeTree(root: string, spec: TreeSpec): Promise<Tree> {
  const random = prng(0x5eed);
  const directory = join(root, 'tree');
  const zipFile = join(root, 'artifact.zip');
  await mkdir(directory, { recursive: true });
  const zip = await open(zipFile, 'w');
  const central: Central[] = [];
  const folders = new Set<string>();
  let offset = 0;
  let files = 0;
  let treeBytes = 0;
  let binaryBytes = 0;
  let deflatedEntries = 0;
  const put = async (...buffers: Buffer[]) => {
    for (const buffer of buffers) {
      await zip.write(buffer);
      offset += buffer.length;
    }
  };
  const entry = async (path: string, content: Buffer, method: number, data: Buffer) => {
    const name = Buffer.from(path);
    const isFolder = path.endsWith('/');
    const crc = crc32(content) >>> 0;
    central.push({
      name,
      offset,
      crc,
      method,
      compressedSize: data.length,
      size: content.length,
      mode: isFolder ? 0o40755 : 0o100644,
    });
    await put(localHeader(name, crc, method, data.length, content.length), data);
  };
  try {
    for (const file of plannedFiles(random)) {
      if (offset >= spec.zipBytes) break;
      const parts = file.path.split('/');
      for (let depth = 1; depth < parts.length; depth++) {
        const folder = `${parts.slice(0, depth).join('/')}/`;
        if (folders.has(folder)) continue;
        folders.add(folder);
        await mkdir(join(directory, folder), { recursive: true });
        await entry(folder, Buffer.alloc(0), 0, Buffer.alloc(0));
      }
      await writeFile(join(directory, file.path), file.content);
      const deflated = file.binary ? undefined : deflateRawSync(file.content, { level: 6 });
      if (deflated && deflated.length < file.content.length) {
        await entry(file.path, file.content, 8, deflated);
        deflatedEntries++;
      } else {
        await entry(file.path, file.content, 0, file.content);
      }
      files++;
      treeBytes += file.content.length;
      if (file.binary) binaryBytes += file.content.length;
    }
    const directoryStart = offset;
    for (const item of central) await put(centralHeader(item));
    await put(endOfCentralDirectory(central.length, offset - directoryStart, directoryStart));
  } finally {
    await zip.close();
  }
  return {
    directory,
    zipFile,
    zipBytes: offset,
    files,
    directories: folders.size,
    treeBytes,
    binaryBytes,
    deflatedEntries,
    storedEntries: files - deflatedEntries,
  };
}

function localHeader(
  name: Buffer,
  crc: number,
  method: number,
  compressedSize: number,
  size: number,
): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(VERSION, 4);
  header.writeUInt16LE(method, 8);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt32LE(crc, 14);
  header.writeUInt32LE(compressedSize, 18);
  header.writeUInt32LE(size, 22);
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name]);
}

function centralHeader(item: Central): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE((3 << 8) | VERSION, 4); // made by Unix: the mode bits count
  header.writeUInt16LE(VERSION, 6);
  header.writeUInt16LE(item.method, 10);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(item.crc, 16);
  header.writeUInt32LE(item.compressedSize, 20);
  header.writeUInt32LE(item.size, 24);
  header.writeUInt16LE(item.name.length, 28);
  header.writeUInt32LE(item.mode * 0x10000, 38);
  header.writeUInt32LE(item.offset, 42);
  return Buffer.concat([header, item.name]);
}

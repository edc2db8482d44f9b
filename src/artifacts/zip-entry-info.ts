// Its own module, apart from the yauzl-based reader: the public declarations that
// list entries (InputArtifact.files()) then never import yauzl's types, which a
// user's project does not have.

/** One entry of an archive, as `files()` lists it. */
export interface ZipEntryInfo {
  /** The entry's path inside the archive (directories end with `/`). */
  readonly path: string;
  /** Uncompressed size in bytes, as declared by the archive. */
  readonly size: number;
  /** Compressed size in bytes, as declared by the archive. */
  readonly compressedSize: number;
  readonly isDirectory: boolean;
}

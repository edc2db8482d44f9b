// What reading an archive tells the user, in a module of its own, apart from the
// yauzl-based reader and extractor: the public declarations (InputArtifact's files()
// and extractTo()) then never import yauzl's types, which a user's project lacks.

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

/** What `extractTo` wrote. */
export interface ExtractResult {
  /** The absolute, resolved directory the archive was extracted into. */
  readonly directory: string;
  readonly files: number;
  readonly directories: number;
  /** Uncompressed bytes written. */
  readonly bytes: number;
}

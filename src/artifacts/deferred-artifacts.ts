/**
 * The artifacts `job.input()` and `job.output()` hand out at once (name, bucket and
 * key are known from the event), whose work starts with the first call: each method
 * waits for the artifact backend (backend.ts, imported on first use) and forwards.
 */
import type { Readable } from 'node:stream';
import type { ArtifactRef } from '../event.js';
import type { ExtractResult, ZipEntryInfo } from './archive-info.js';
import type { InputArtifact } from './input-artifact.js';
import type { OutputArtifact, OutputFiles, OutputWriteResult } from './output-artifact.js';

export class DeferredInputArtifact implements InputArtifact {
  readonly #ref: ArtifactRef;
  readonly #open: () => Promise<InputArtifact>;
  #artifact: Promise<InputArtifact> | undefined;

  constructor(ref: ArtifactRef, open: () => Promise<InputArtifact>) {
    this.#ref = ref;
    this.#open = open;
  }

  get name(): string {
    return this.#ref.name;
  }
  get revision(): string | undefined {
    return this.#ref.revision;
  }
  get bucket(): string {
    return this.#ref.bucket;
  }
  get key(): string {
    return this.#ref.key;
  }

  async files(): Promise<ZipEntryInfo[]> {
    return (await this.#real()).files();
  }
  async has(path: string): Promise<boolean> {
    return (await this.#real()).has(path);
  }
  async read(path: string): Promise<Buffer> {
    return (await this.#real()).read(path);
  }
  async text(path: string, encoding?: BufferEncoding): Promise<string> {
    return (await this.#real()).text(path, encoding);
  }
  async json<T = unknown>(path: string): Promise<T> {
    return (await this.#real()).json<T>(path);
  }
  async stream(path: string): Promise<Readable> {
    return (await this.#real()).stream(path);
  }
  async extractTo(directory: string): Promise<ExtractResult> {
    return (await this.#real()).extractTo(directory);
  }
  async download(): Promise<Buffer> {
    return (await this.#real()).download();
  }

  #real(): Promise<InputArtifact> {
    this.#artifact ??= this.#open();
    return this.#artifact;
  }
}

export class DeferredOutputArtifact implements OutputArtifact {
  readonly #ref: ArtifactRef;
  readonly #open: () => Promise<OutputArtifact>;
  #artifact: Promise<OutputArtifact> | undefined;

  constructor(ref: ArtifactRef, open: () => Promise<OutputArtifact>) {
    this.#ref = ref;
    this.#open = open;
  }

  get name(): string {
    return this.#ref.name;
  }
  get bucket(): string {
    return this.#ref.bucket;
  }
  get key(): string {
    return this.#ref.key;
  }

  async write(content: OutputFiles | string): Promise<OutputWriteResult> {
    this.#artifact ??= this.#open();
    return (await this.#artifact).write(content);
  }
}

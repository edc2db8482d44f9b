/**
 * The packages that only the local CLI and the testing kit use. They are optional peer
 * dependencies (package.json `peerDependencies` + `peerDependenciesMeta`), so that a
 * production install (`npm install --omit=dev`) carries only what a deployed handler
 * runs. This module turns a missing one into one message with the one command that
 * installs them all.
 */

/** Every optional peer; package.json's `peerDependencies` lists the same names. */
export const OPTIONAL_PEERS = ['s3rver', 'tsx', 'yaml'] as const;

export type OptionalPeer = (typeof OPTIONAL_PEERS)[number];

/** The one documented command that installs the CLI's and the testing kit's packages. */
export const OPTIONAL_PEERS_INSTALL = `npm install --save-dev ${OPTIONAL_PEERS.join(' ')}`;

/** Thrown when a feature needs an optional peer that is not installed. */
export class MissingPeerError extends Error {
  override readonly name = 'MissingPeerError';
  /** The packages that could not be found. */
  readonly missing: readonly OptionalPeer[];

  constructor(feature: string, missing: readonly OptionalPeer[], options?: ErrorOptions) {
    super(
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed: install ${missing.length === 1 ? 'it' : 'them'} to use ${feature}: ${OPTIONAL_PEERS_INSTALL}`,
      options,
    );
    this.missing = missing;
  }
}

/** The peers among `names` that cannot be resolved from this package. */
export function missingPeers(names: readonly OptionalPeer[]): OptionalPeer[] {
  return names.filter((name) => {
    try {
      import.meta.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

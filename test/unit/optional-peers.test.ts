import { describe, expect, it } from 'vitest';
import {
  MissingPeerError,
  missingPeers,
  OPTIONAL_PEERS,
  OPTIONAL_PEERS_INSTALL,
} from '../../src/optional-peers.js';

describe('Module: optional peers', () => {
  it('names the missing packages, the feature and the one install command', () => {
    // Act
    const one = new MissingPeerError('the testing kit', ['s3rver']);
    const several = new MissingPeerError('the CLI', ['s3rver', 'yaml']);

    // Assess
    expect(one.message).toBe(
      's3rver is not installed: install it to use the testing kit: npm install --save-dev s3rver tsx yaml',
    );
    expect(several.message).toBe(
      `s3rver, yaml are not installed: install them to use the CLI: ${OPTIONAL_PEERS_INSTALL}`,
    );
    expect(several.missing).toEqual(['s3rver', 'yaml']);
  });

  it('finds every peer installed in this repository', () => {
    // Assess: this repository installs them as devDependencies.
    expect(missingPeers(OPTIONAL_PEERS)).toEqual([]);
  });
});

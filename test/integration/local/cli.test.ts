import { describe, expect, it } from 'vitest';
import { runCliProcess } from '../../helpers/local-cli.js';

describe('Function: codepipeline-handler CLI (as a child process)', () => {
  it('prints help listing the commands and exits 0 for --help', async () => {
    // Act
    const result = await runCliProcess(['--help']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: codepipeline-handler <command> \[options\]/);
    expect(result.stdout).toMatch(/^ {2}serve {2}/m);
  });

  it('prints usage to stderr and exits 2 without a command', async () => {
    // Act
    const result = await runCliProcess([]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: codepipeline-handler');
  });

  it('prints the package version for --version', async () => {
    // Act
    const result = await runCliProcess(['--version']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('prints the serve help with every option and exits 0', async () => {
    // Act
    const result = await runCliProcess(['serve', '--help']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: codepipeline-handler serve \[options\]/);
    for (const flag of [
      '--job',
      '--bucket <name>',
      '--region <region>',
      '--s3-port <port>',
      '--job-api-port <port>',
      '--sts-port <port>',
    ]) {
      expect(result.stdout).toContain(flag);
    }
  });

  it('exits 2 with a clear message for an unknown command', async () => {
    // Act
    const result = await runCliProcess(['deploy']);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'deploy'");
    expect(result.stdout).toBe('');
  });

  it('exits 2 with a clear message for an unknown flag', async () => {
    // Act
    const result = await runCliProcess(['serve', '--jbo']);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'--jbo'");
    expect(result.stderr).toContain("Run 'codepipeline-handler serve --help'");
  });

  it('exits 2 for a port that is not a number, before starting anything', async () => {
    // Act
    const result = await runCliProcess(['serve', '--s3-port', 'abc']);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--s3-port must be a port number');
    expect(result.stdout).toBe('');
  });
});

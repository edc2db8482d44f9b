import { describe, expect, it, vi } from 'vitest';
import { LazyS3Client, loadS3Module, s3ClientConfig } from '../../../src/artifacts/s3-client.js';
import { SECRET_CREDENTIALS } from '../../helpers/artifact-context.js';

describe('Function: s3ClientConfig', () => {
  it('signs with the job artifact credentials and sets socket timeouts', () => {
    // Act
    const config = s3ClientConfig(SECRET_CREDENTIALS, {});

    // Assess
    expect(config.credentials).toEqual(SECRET_CREDENTIALS);
    expect(config.requestHandler).toEqual({ connectionTimeout: 5_000, requestTimeout: 60_000 });
    expect(config).not.toHaveProperty('region');
    expect(config).not.toHaveProperty('forcePathStyle');
  });

  it.each(['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'])(
    'uses path-style addressing when %s is set',
    (name) => {
      // Act
      const config = s3ClientConfig(SECRET_CREDENTIALS, { [name]: 'http://127.0.0.1:9000' });

      // Assess
      expect(config.forcePathStyle).toBe(true);
    },
  );
});

describe('Class: LazyS3Client', () => {
  it('loads the SDK once and shares one client', async () => {
    // Prepare
    const load = vi.fn(loadS3Module);
    const lazy = new LazyS3Client(SECRET_CREDENTIALS, load);

    // Act
    const createdBefore = lazy.created;
    const [first, second] = await Promise.all([lazy.get(), lazy.get()]);

    // Assess
    expect(createdBefore).toBe(false);
    expect(load).toHaveBeenCalledTimes(1);
    expect(first.client).toBe(second.client);
    expect(first.client).toBeInstanceOf(first.s3.S3Client);
  });

  it('tries again after a failed load', async () => {
    // Prepare
    const load = vi
      .fn<typeof loadS3Module>()
      .mockRejectedValueOnce(new Error('disk hiccup'))
      .mockImplementation(loadS3Module);
    const lazy = new LazyS3Client(SECRET_CREDENTIALS, load);

    // Act
    const failed = await lazy.get().catch((error: Error) => error);
    await Promise.resolve();
    const handle = await lazy.get();

    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(handle.client).toBeDefined();
    expect(load).toHaveBeenCalledTimes(2);
  });
});

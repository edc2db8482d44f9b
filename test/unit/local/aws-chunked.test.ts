import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { AwsChunkedDecoder, isAwsChunked } from '../../../src/local/aws-chunked.js';

async function decode(pieces: string[]): Promise<{ body: string; decoder: AwsChunkedDecoder }> {
  const decoder = new AwsChunkedDecoder();
  const body = await buffer(Readable.from(pieces.map((piece) => Buffer.from(piece))).pipe(decoder));
  return { body: body.toString(), decoder };
}

describe('Function: AwsChunkedDecoder', () => {
  it('strips unsigned chunk framing and collects trailers', async () => {
    // Act
    const { body, decoder } = await decode([
      '5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAA==\r\n\r\n',
    ]);

    // Assess
    expect(body).toBe('hello world');
    expect(decoder.trailers).toEqual({ 'x-amz-checksum-crc32': 'AAAA==' });
  });

  it('strips signed chunk headers', async () => {
    // Prepare
    const signature = `;chunk-signature=${'f'.repeat(64)}`;

    // Act
    const { body } = await decode([`3${signature}\r\nabc\r\n0${signature}\r\n\r\n`]);

    // Assess
    expect(body).toBe('abc');
  });

  it('handles framing split at every byte', async () => {
    // Prepare
    const encoded = 'a\r\n0123456789\r\n2\r\nab\r\n0\r\n\r\n';

    // Act
    const { body } = await decode(encoded.split(''));

    // Assess
    expect(body).toBe('0123456789ab');
  });

  it('fails on a body cut before its final chunk', async () => {
    // Act
    const attempt = decode(['5\r\nhel']);

    // Assess
    await expect(attempt).rejects.toThrow(/ended before its final chunk/);
  });

  it('fails on a malformed chunk size', async () => {
    // Act
    const attempt = decode(['zz\r\nhello\r\n0\r\n\r\n']);

    // Assess
    await expect(attempt).rejects.toThrow(/Malformed aws-chunked chunk header/);
  });
});

describe('Function: isAwsChunked', () => {
  it('detects the content encoding and the streaming payload hash', () => {
    // Assess
    expect(isAwsChunked({ 'content-encoding': 'gzip, aws-chunked' })).toBe(true);
    expect(isAwsChunked({ 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' })).toBe(
      true,
    );
    expect(isAwsChunked({ 'content-encoding': 'gzip' })).toBe(false);
    expect(isAwsChunked({})).toBe(false);
  });
});

import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { unzipBuffer, zipBuffer } from '../../../src/artifacts/zip-buffer.js';

describe('Function: zipBuffer / unzipBuffer', () => {
  it('writes a zip another zip library reads, strings as UTF-8 and bytes as they are', async () => {
    // Prepare
    const bytes = Uint8Array.from([0, 1, 2, 255]);

    // Act
    const zip = await zipBuffer({ 'report.json': '{"failed":0}', 'dir/é.bin': bytes });

    // Assess: JSZip is an independent reader.
    const read = await JSZip.loadAsync(zip);
    expect(Object.keys(read.files)).toEqual(['report.json', 'dir/', 'dir/é.bin']);
    expect(await read.file('report.json')?.async('string')).toBe('{"failed":0}');
    expect(await read.file('dir/é.bin')?.async('uint8array')).toEqual(bytes);
  });

  it('reads the files of a zip another library wrote, leaving directories out', async () => {
    // Prepare
    const written = new JSZip();
    written.folder('reports');
    written.file('reports/a.txt', 'a');
    written.file('b.txt', 'b'.repeat(10_000));
    const zip = await written.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });

    // Act
    const files = await unzipBuffer(zip, 'GateReport');

    // Assess
    expect(Object.keys(files).sort()).toEqual(['b.txt', 'reports/a.txt']);
    expect(files['reports/a.txt']?.toString()).toBe('a');
    expect(files['b.txt']?.toString()).toBe('b'.repeat(10_000));
  });

  it('names the artifact when the bytes are not a zip', async () => {
    // Act + Assess
    await expect(unzipBuffer(Buffer.from('not a zip'), 'GateReport')).rejects.toThrow(
      'Artifact "GateReport" is not a readable zip archive',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../src/logger.js';
import { Redactor } from '../../src/redact.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: string[] = [];
  const logger = createJsonLogger({
    keys: { jobId: 'job-1' },
    redactor: new Redactor([SECRET]),
    level,
    sink: (line) => lines.push(line),
  });
  return { logger, lines };
}

describe('Function: createJsonLogger', () => {
  it('writes one JSON line with level, message, timestamp, the keys and the extra fields, secrets masked', () => {
    // Prepare
    const { logger, lines } = capture();

    // Act
    logger.info(`Reported with ${SECRET}`, { attempts: 1, detail: { note: `key ${SECRET}` } });

    // Assess
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toEqual({
      level: 'INFO',
      message: 'Reported with [REDACTED]',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      jobId: 'job-1',
      attempts: 1,
      detail: { note: 'key [REDACTED]' },
    });
    expect(Object.keys(entry).slice(0, 4)).toEqual(['level', 'message', 'timestamp', 'jobId']);
  });

  it('writes a BigInt in the extra fields as its digits', () => {
    // Prepare
    const { logger, lines } = capture();

    // Act
    logger.warn('big', { count: 12345678901234567890n, nested: [1n] });

    // Assess
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'WARN',
      count: '12345678901234567890',
      nested: ['1'],
    });
  });

  it('keeps the line, without the extra fields, when they cannot be read', () => {
    // Prepare
    const { logger, lines } = capture();
    const hostile = {
      get field(): string {
        throw new Error('no');
      },
    };

    // Act
    logger.error('still logged', hostile);

    // Assess
    expect(JSON.parse(lines[0] as string)).toEqual({
      level: 'ERROR',
      message: 'still logged',
      timestamp: expect.any(String),
      jobId: 'job-1',
      logError: 'the extra fields could not be serialized',
    });
  });

  it('writes nothing below its level', () => {
    // Prepare
    const { logger, lines } = capture('warn');

    // Act
    logger.debug('hidden');
    logger.info('hidden');
    logger.warn('shown');

    // Assess
    expect(lines.map((line) => JSON.parse(line).message)).toEqual(['shown']);
  });
});

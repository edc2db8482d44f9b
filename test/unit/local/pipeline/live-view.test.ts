import { describe, expect, it } from 'vitest';
import { decideApproval } from '../../../../src/local/pipeline/approval.js';
import { LiveView } from '../../../../src/local/pipeline/live-view.js';

const STAGES = [{ name: 'Gates', actions: [{ name: 'Check', runOrder: 1 }] }];

describe('Class: LiveView', () => {
  it('appends one plain line per change when stdout is not a terminal', () => {
    // Prepare
    const written: string[] = [];
    const view = new LiveView({ write: (text) => written.push(text), tty: false }, STAGES);

    // Act
    view.stage('Gates', 'running');
    view.action('Gates', 'Check', 'running');
    view.action('Gates', 'Check', 'succeeded', 'fine');
    view.close();

    // Assess
    expect(written.join('')).not.toContain('\x1b[');
    expect(written.map((line) => line.replace(/^\[[ \d.]+ s\] /, ''))).toEqual([
      'Gates: running\n',
      'Gates / Check: running\n',
      expect.stringMatching(/^Gates \/ Check: succeeded in \d\.\d s - fine\n$/),
    ]);
  });

  it('redraws the block in place on a terminal', () => {
    // Prepare
    let screen = '';
    const view = new LiveView(
      {
        write: (text) => {
          screen += text;
        },
        tty: true,
        columns: 80,
      },
      STAGES,
    );

    // Act
    view.action('Gates', 'Check', 'failed', 'JobFailed: no');
    view.close();

    // Assess
    expect(screen).toContain('\x1b[2A\x1b[J');
    expect(screen.split('\x1b[J').at(-1)).toMatch(
      /· Gates +pending\n {3}✖ Check \[1\] +\d\.\d s {2}failed - JobFailed: no\n|· Gates +pending\n {3}✖ Check \[1\] +failed - JobFailed: no\n/,
    );
  });
});

describe('Function: decideApproval', () => {
  it('asks on a terminal and approves on y', async () => {
    // Prepare
    const listeners: ((chunk: Buffer) => void)[] = [];
    const modes: boolean[] = [];
    const asked: string[] = [];
    const input = {
      isTTY: true,
      setRawMode: (mode: boolean) => modes.push(mode),
      on: (_event: 'data', listener: (chunk: Buffer) => void) => listeners.push(listener),
      off: () => {},
      resume: () => {},
      pause: () => {},
    };

    // Act
    const decision = decideApproval({
      approveFlag: false,
      input,
      ask: (text) => asked.push(text),
      question: 'Ship it?',
    });
    listeners[0]?.(Buffer.from('x'));
    listeners[0]?.(Buffer.from('y'));

    // Assess
    expect(await decision).toEqual({ approved: true, summary: 'approved at the terminal' });
    expect(modes).toEqual([true, false]);
    expect(asked[0]).toContain('Ship it?');
  });

  it('rejects on n, and refuses at once without a terminal', async () => {
    // Prepare
    let listener: ((chunk: Buffer) => void) | undefined;
    const input = {
      isTTY: true,
      setRawMode: () => {},
      on: (_event: 'data', fn: (chunk: Buffer) => void) => {
        listener = fn;
      },
      off: () => {},
      resume: () => {},
      pause: () => {},
    };

    // Act
    const rejected = decideApproval({ approveFlag: false, input, ask: () => {}, question: 'q' });
    listener?.(Buffer.from('n'));
    const noTerminal = await decideApproval({
      approveFlag: false,
      input: { ...input, isTTY: false },
      ask: () => {},
      question: 'q',
    });

    // Assess
    expect(await rejected).toEqual({ approved: false, message: 'rejected at the terminal' });
    expect(noTerminal).toMatchObject({
      approved: false,
      message: expect.stringContaining('pass --approve'),
    });
  });
});

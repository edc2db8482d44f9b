/**
 * A manual approval, locally: approved by `--approve`, or by a person pressing a key on
 * a terminal. Without a terminal and without `--approve` nobody can answer, so it fails
 * at once with a message saying how to approve: a CI run must never wait for a key.
 */

export interface ApprovalInput {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export type ApprovalDecision =
  | { readonly approved: true; readonly summary: string }
  | { readonly approved: false; readonly message: string };

export async function decideApproval(options: {
  readonly approveFlag: boolean;
  readonly input: ApprovalInput | undefined;
  readonly ask: (question: string) => void;
  readonly question: string;
}): Promise<ApprovalDecision> {
  if (options.approveFlag) return { approved: true, summary: 'approved by --approve' };
  const input = options.input;
  if (input?.isTTY !== true || typeof input.setRawMode !== 'function') {
    return {
      approved: false,
      message:
        'manual approval needs a person, and there is no terminal to ask on: pass --approve to approve it',
    };
  }
  options.ask(`${options.question}\n  Approve? [y] approve, [n] reject: `);
  const key = await new Promise<string>((resolve) => {
    const onData = (chunk: Buffer) => {
      const pressed = chunk.toString('utf8');
      // y/n, Enter, or Ctrl+C (character code 3, which raw mode delivers as data).
      if (!/^[yYnN\r]/.test(pressed) && pressed.charCodeAt(0) !== 3) return;
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      resolve(pressed);
    };
    input.setRawMode?.(true);
    input.resume();
    input.on('data', onData);
  });
  options.ask(`${/^[yY\r]/.test(key) ? 'approved' : 'rejected'}\n`);
  return /^[yY\r]/.test(key)
    ? { approved: true, summary: 'approved at the terminal' }
    : { approved: false, message: 'rejected at the terminal' };
}

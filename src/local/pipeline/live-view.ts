/**
 * The live view of a run. On a terminal it redraws one block (stages, their actions,
 * states and running times) in place; elsewhere (CI logs, pipes) it appends one plain
 * line per change, so the log reads top to bottom.
 */
import { formatSeconds } from '../invoke/report.js';

export type ItemState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'not run';

interface ActionRow {
  readonly name: string;
  readonly runOrder: number;
  state: ItemState;
  startedAt?: number;
  endedAt?: number;
  detail: string;
}

interface StageRow {
  readonly name: string;
  state: ItemState;
  startedAt?: number;
  endedAt?: number;
  readonly actions: ActionRow[];
}

export interface ViewOptions {
  readonly write: (text: string) => void;
  readonly tty: boolean;
  /** Terminal width, to keep each line on one row. @default 100 */
  readonly columns?: number;
}

const SYMBOLS: Record<ItemState, string> = {
  pending: '·',
  running: '▸',
  succeeded: '✔',
  failed: '✖',
  skipped: '↷',
  'not run': '·',
};

function elapsed(row: { startedAt?: number; endedAt?: number }, now: number): string {
  if (row.startedAt === undefined) return '';
  return formatSeconds((row.endedAt ?? now) - row.startedAt);
}

export class LiveView {
  readonly #options: ViewOptions;
  readonly #stages: StageRow[] = [];
  readonly #started = Date.now();
  #drawnLines = 0;
  #timer: NodeJS.Timeout | undefined;
  #paused = false;

  constructor(
    options: ViewOptions,
    stages: readonly { name: string; actions: readonly { name: string; runOrder: number }[] }[],
  ) {
    this.#options = options;
    for (const stage of stages) {
      this.#stages.push({
        name: stage.name,
        state: 'pending',
        actions: stage.actions.map((action) => ({ ...action, state: 'pending', detail: '' })),
      });
    }
    if (options.tty) {
      this.#draw();
      // Running times tick while something runs.
      this.#timer = setInterval(() => this.#draw(), 250);
      this.#timer.unref();
    }
  }

  stage(name: string, state: ItemState): void {
    const stage = this.#stages.find((candidate) => candidate.name === name);
    if (stage === undefined) return;
    stage.state = state;
    if (state === 'running') stage.startedAt = Date.now();
    else if (stage.startedAt !== undefined) stage.endedAt = Date.now();
    if (state === 'not run') for (const action of stage.actions) action.state = 'not run';
    this.#changed(`${name}`, stage, state, '');
  }

  action(stageName: string, name: string, state: ItemState, detail = ''): void {
    const action = this.#stages
      .find((stage) => stage.name === stageName)
      ?.actions.find((candidate) => candidate.name === name);
    if (action === undefined) return;
    action.state = state;
    action.detail = detail;
    if (state === 'running' && action.startedAt === undefined) action.startedAt = Date.now();
    else if (state !== 'running' && action.startedAt !== undefined) action.endedAt = Date.now();
    this.#changed(`${stageName} / ${name}`, action, state, detail);
  }

  /** A line outside the block (an approval question, a note); the block is redrawn below it. */
  note(text: string): void {
    if (this.#options.tty) this.#erase();
    this.#options.write(`${text}\n`);
    if (this.#options.tty && !this.#paused) this.#draw();
  }

  /** Stops redrawing (while a question waits for a key press). */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    if (this.#options.tty) this.#draw();
  }

  /** Final drawing; the block stays on screen. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#options.tty) this.#draw();
  }

  #changed(
    label: string,
    row: { startedAt?: number; endedAt?: number },
    state: ItemState,
    detail: string,
  ) {
    if (this.#options.tty) {
      if (!this.#paused) this.#draw();
      return;
    }
    const at = formatSeconds(Date.now() - this.#started).padStart(7);
    const took =
      state === 'running' || state === 'skipped' || state === 'not run'
        ? ''
        : ` in ${elapsed(row, Date.now())}`;
    this.#options.write(`[${at}] ${label}: ${state}${took}${detail ? ` - ${detail}` : ''}\n`);
  }

  #lines(): string[] {
    const now = Date.now();
    const width = this.#options.columns ?? 100;
    const fitToWidth = (line: string) =>
      line.length > width ? `${line.slice(0, width - 1)}…` : line;
    const lines: string[] = [];
    for (const stage of this.#stages) {
      lines.push(
        fitToWidth(
          `${SYMBOLS[stage.state]} ${stage.name.padEnd(28)} ${elapsed(stage, now).padStart(7)}  ${stage.state}`,
        ),
      );
      for (const action of stage.actions) {
        const label = `${action.name} [${action.runOrder}]`;
        lines.push(
          fitToWidth(
            `   ${SYMBOLS[action.state]} ${label.padEnd(26)} ${elapsed(action, now).padStart(7)}  ${action.state}${action.detail ? ` - ${action.detail}` : ''}`,
          ),
        );
      }
    }
    return lines;
  }

  #erase(): void {
    if (this.#drawnLines > 0) this.#options.write(`\x1b[${this.#drawnLines}A\x1b[J`);
    this.#drawnLines = 0;
  }

  #draw(): void {
    if (this.#paused) return;
    this.#erase();
    const lines = this.#lines();
    this.#options.write(`${lines.join('\n')}\n`);
    this.#drawnLines = lines.length;
  }
}

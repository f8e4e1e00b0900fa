/** What a command hands back to main.ts, which alone turns it into an exit status. */
import type { AnyReport } from '../exit-code.js';

export interface CommandResult {
  readonly report: AnyReport;
  /** False when a requested --json/--junit file could not be written (the text report was shown). */
  readonly outputsWritten: boolean;
}

export type Finish = (result: CommandResult) => void;

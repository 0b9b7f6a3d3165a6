import { AbstractLogger, LogLevel, LogMessage } from 'typeorm';

/**
 * Starts a statement a process runs at most about once a second whatever the traffic (the
 * programs' sizes that price requests), so counts per request can leave it out.
 */
export const AMORTIZED_STATEMENT = '/* amortized */ ';

/** Counts SQL statements, so tests can prove a request costs a constant number of them. */
export class QueryCounter extends AbstractLogger {
  count = 0;
  /** Statements marked `AMORTIZED_STATEMENT`, not in `count`. */
  amortized = 0;

  override logQuery(query: string): void {
    if (query.startsWith(AMORTIZED_STATEMENT)) this.amortized += 1;
    else this.count += 1;
  }

  protected override writeLog(_level: LogLevel, _message: LogMessage | LogMessage[]): void {}
}

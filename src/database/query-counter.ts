import { AbstractLogger, LogLevel, LogMessage } from 'typeorm';
import { AMORTIZED_STATEMENT } from '../shared/amortized-statement';

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

import { AbstractLogger, LogLevel, LogMessage } from 'typeorm';

/** Counts SQL statements, so tests can prove a request costs a constant number of them. */
export class QueryCounter extends AbstractLogger {
  count = 0;

  override logQuery(): void {
    this.count += 1;
  }

  protected override writeLog(_level: LogLevel, _message: LogMessage | LogMessage[]): void {}
}

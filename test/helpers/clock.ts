import { Clock } from '../../src/shared/clock';

/** A clock the test moves by hand; it starts at the real time unless told otherwise. */
export class ManualClock implements Clock {
  private instant: number;

  constructor(start: Date = new Date()) {
    this.instant = start.getTime();
  }

  now(): Date {
    return new Date(this.instant);
  }

  set(at: Date | string): void {
    this.instant = new Date(at).getTime();
  }

  advance(ms: number): void {
    this.instant += ms;
  }
}

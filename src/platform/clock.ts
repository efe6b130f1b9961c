// Time comes in through a Clock so expiry, lockouts and back-off are tested without sleeping.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move: for tests and simulations. */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date | string = "2026-11-25T08:00:00Z") {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  advanceHours(hours: number): void {
    this.advance(hours * 3_600_000);
  }
}

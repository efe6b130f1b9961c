// After `threshold` consecutive failures the circuit opens for `openMs`: calls fail at once instead of
// piling up on a registry that is down. The first call after that is a trial; its result decides.
import type { Clock } from "../../platform/clock.ts";

export type BreakerOptions = { threshold: number; openMs: number; clock: Clock };

export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private readonly options: BreakerOptions;
  constructor(options: BreakerOptions) {
    this.options = options;
  }

  get open(): boolean {
    return this.options.clock.now().getTime() < this.openUntil;
  }

  succeeded(): void {
    this.failures = 0;
    this.openUntil = 0;
  }

  failed(): void {
    this.failures++;
    if (this.failures >= this.options.threshold) {
      this.openUntil = this.options.clock.now().getTime() + this.options.openMs;
      // Half-open after the wait: one more failure opens it again.
      this.failures = this.options.threshold - 1;
    }
  }
}

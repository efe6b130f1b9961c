// Simulator of the civil registry and the mobile-ownership registry, served from a fixture of
// fictional people. Product code: the default in development and tests, with latency and failures
// that can be injected to exercise retries.
import { readFileSync } from "node:fs";
import { type CivilRecord, type CivilRegistry, RegistryUnavailable } from "../../ports/civil-registry.ts";
import type { MobileOwnership } from "../../ports/mobile-ownership.ts";

export type FixturePerson = CivilRecord & { mobiles: string[] };
export type Fixture = { people: FixturePerson[] };

export type SimulatorOptions = {
  latencyMs?: number;
  /** Share (0..1) of calls that fail as an unavailable service would. */
  failureRate?: number;
  random?: () => number;
};

export class RegistrySimulator implements CivilRegistry, MobileOwnership {
  private readonly people: Map<string, FixturePerson>;
  latencyMs: number;
  failureRate: number;
  /** While true every call fails: a registry outage. */
  outage = false;
  calls = 0;
  private readonly random: () => number;

  constructor(fixture: Fixture, options: SimulatorOptions = {}) {
    this.people = new Map(fixture.people.map((p) => [p.nationalId, p]));
    this.latencyMs = options.latencyMs ?? 0;
    this.failureRate = options.failureRate ?? 0;
    this.random = options.random ?? Math.random;
  }

  static fromFile(path: string, options: SimulatorOptions = {}): RegistrySimulator {
    const fixture = JSON.parse(readFileSync(path, "utf8")) as Fixture;
    if (!Array.isArray(fixture.people)) throw new Error(`${path}: a registry fixture needs a "people" array`);
    return new RegistrySimulator(fixture, options);
  }

  async findPerson(nationalId: string): Promise<CivilRecord | null> {
    await this.call();
    const person = this.people.get(nationalId);
    if (!person) return null;
    const { mobiles: _, ...record } = person;
    return record;
  }

  async isOwner(nationalId: string, mobile: string): Promise<boolean> {
    await this.call();
    return this.people.get(nationalId)?.mobiles.includes(mobile) ?? false;
  }

  private async call(): Promise<void> {
    this.calls++;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (this.outage || (this.failureRate > 0 && this.random() < this.failureRate)) {
      throw new RegistryUnavailable("registry simulator: injected failure");
    }
  }
}

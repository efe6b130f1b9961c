// The civil registry and the mobile-ownership registry behind one REST endpoint (the contract is in the
// README, "Adapters' contracts"):
//   GET {base}/people/{nationalId}                     200 CivilRecord | 404 no such person
//   GET {base}/mobile-ownership?nationalId=&mobile=    200 { owner: boolean }
// Anything else (timeout, 5xx, 401, a malformed body) is RegistryUnavailable: never a conclusion.
import { readFileSync } from "node:fs";
import https from "node:https";
import type { Clock } from "../../platform/clock.ts";
import { type CivilRecord, type CivilRegistry, RegistryUnavailable } from "../../ports/civil-registry.ts";
import type { MobileOwnership } from "../../ports/mobile-ownership.ts";
import { type HttpAnswer, httpCall, json, TransportError } from "../http-call.ts";
import { CircuitBreaker } from "./circuit-breaker.ts";

export type RegistryHttpOptions = {
  baseUrl: string;
  apiKey?: string | undefined;
  timeoutMs: number;
  /** Further tries after a failed call, each after `retryDelayMs` (default 2 and 200 ms). */
  retries?: number;
  retryDelayMs?: number;
  /** Consecutive failed calls that open the circuit, and how long it stays open (default 5, 30 s). */
  breakerThreshold?: number;
  breakerOpenMs?: number;
  /** PEM files for mutual TLS: our client certificate and key, and the CA that signed the registry's. */
  tls?: { cert?: string | undefined; key?: string | undefined; ca?: string | undefined };
  clock: Clock;
};

export class RegistryHttp implements CivilRegistry, MobileOwnership {
  private readonly breaker: CircuitBreaker;
  private readonly agent: https.Agent | undefined;
  private readonly base: string;

  private readonly options: RegistryHttpOptions;
  constructor(options: RegistryHttpOptions) {
    this.options = options;
    this.base = options.baseUrl.replace(/\/$/, "");
    this.breaker = new CircuitBreaker({
      threshold: options.breakerThreshold ?? 5,
      openMs: options.breakerOpenMs ?? 30_000,
      clock: options.clock,
    });
    const { tls } = options;
    if (tls && (tls.cert || tls.key || tls.ca)) {
      this.agent = new https.Agent({
        keepAlive: true,
        ...(tls.cert ? { cert: readFileSync(tls.cert) } : {}),
        ...(tls.key ? { key: readFileSync(tls.key) } : {}),
        ...(tls.ca ? { ca: readFileSync(tls.ca) } : {}),
      });
    }
  }

  async findPerson(nationalId: string): Promise<CivilRecord | null> {
    const answer = await this.get(`/people/${encodeURIComponent(nationalId)}`, [200, 404]);
    if (answer.status === 404) return null;
    const r = json(answer) as Partial<CivilRecord> | undefined;
    const strings = ["nationalId", "firstName", "lastName", "birthCertificateNumber", "birthDate"] as const;
    if (
      !r ||
      !strings.every((k) => typeof r[k] === "string") ||
      !["male", "female"].includes(String(r.gender))
    ) {
      throw new RegistryUnavailable("civil registry: malformed person record");
    }
    return {
      nationalId: r.nationalId!,
      firstName: r.firstName!,
      lastName: r.lastName!,
      gender: r.gender!,
      birthCertificateNumber: r.birthCertificateNumber!,
      birthDate: r.birthDate!,
    };
  }

  async isOwner(nationalId: string, mobile: string): Promise<boolean> {
    const query = new URLSearchParams({ nationalId, mobile });
    const answer = await this.get(`/mobile-ownership?${query}`, [200]);
    const owner = (json(answer) as { owner?: unknown } | undefined)?.owner;
    if (typeof owner !== "boolean") throw new RegistryUnavailable("mobile ownership: malformed answer");
    return owner;
  }

  private async get(path: string, expected: number[]): Promise<HttpAnswer> {
    if (this.breaker.open) throw new RegistryUnavailable("registry: circuit open after repeated failures");
    const tries = 1 + (this.options.retries ?? 2);
    let reason = "";
    for (let attempt = 1; attempt <= tries; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, this.options.retryDelayMs ?? 200));
      try {
        const answer = await httpCall(`${this.base}${path}`, {
          method: "GET",
          headers: this.options.apiKey ? { "x-api-key": this.options.apiKey } : {},
          timeoutMs: this.options.timeoutMs,
          ...(this.agent ? { agent: this.agent } : {}),
        });
        if (expected.includes(answer.status)) {
          this.breaker.succeeded();
          return answer;
        }
        reason = `HTTP ${answer.status}`;
        // A 4xx will not change on a retry (a bad key, a bad path): stop here.
        if (answer.status < 500) break;
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        reason = error.message;
      }
    }
    this.breaker.failed();
    throw new RegistryUnavailable(`registry: ${reason}`);
  }
}

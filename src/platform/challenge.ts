// Proof-of-work challenges (ALTCHA, self-hosted) instead of refusals for shared addresses (R-ABUSE):
// carrier-grade NAT, cafés and branch kiosks put many honest people behind one address, so volume
// from an address asks for work that grows with it, never a flat 429. docs/decisions/008.
//
// Wire contract: a request that needs one gets `429 {code: "challenge_required", challenge}` with the
// challenge exactly as altcha-lib's createChallenge returns it; the client repeats the request with
// `X-Altcha: base64(JSON.stringify({challenge, solution}))` (altcha-lib's Payload). A solution is
// accepted once, within CHALLENGE_TTL_MS, for the scope and at the level it was issued for.
//
// Applying it to a route is one line (see `guard`):
//   app.post("/api/x", { ...challenges.guard({ scope: "x", threshold: 20, windowMs: HOUR }) }, handler)
import { createHmac } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { type Challenge, createChallenge, type Payload, randomInt, verifySolution } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/sha";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type AddressPrefixes, type ClientAddress, clientAddress } from "./client-address.ts";
import type { Clock } from "./clock.ts";
import { Problem } from "./problems.ts";
import type { ThrottleStore } from "./throttle.ts";

export const CHALLENGE_TTL_MS = 5 * 60_000;
export const CHALLENGE_HEADER = "x-altcha";

/**
 * Difficulty: SHA-256 (one digest per try, so the browser's native crypto does the work); the solver
 * tries counters from 0 up to a secret one drawn from [max/2, max]. Level 1 is `level1MaxCounter`;
 * each level doubles it, up to `maxLevel`. Level 1 was measured at ~1 s in headless Chromium with
 * 4× CPU throttling (README, Security).
 */
export const DIFFICULTY = { algorithm: "SHA-256", level1MaxCounter: 20_000, maxLevel: 8 };

/**
 * An IPv6 client's wider network (its /48) may send this many times a rule's threshold from all its
 * /64s together before it meets a challenge: a site or a carrier's pool holds many honest people, an
 * attacker holding a /48 holds 65 536 /64s.
 */
export const SPREAD_MULTIPLE = 10;

/** The level asked of the `count`-th event where `threshold` are free: 0, then 1, 2, … per doubling. */
export function levelFor(count: number, threshold: number): number {
  if (count <= threshold) return 0;
  return Math.min(DIFFICULTY.maxLevel, 1 + Math.floor(Math.log2(count / Math.max(1, threshold))));
}

export class ChallengeRequired extends Problem {
  constructor(challenge: Challenge) {
    super(429, "challenge_required", { challenge });
  }
}

export type GuardRule = {
  /**
   * Names the counters (`<scope>:ip:<address key>`, and for IPv6 `<scope>:net:<spread key>`, see
   * client-address.ts) and binds the challenges issued for it.
   */
  scope: string;
  /** Requests (or failures) per address and window that need no challenge. */
  threshold: number;
  windowMs: number;
  /**
   * `requests` (default): every request counts. `failures`: only answers with a status in
   * `failureStatuses` (default 401) count, so an address's successful sign-ins never raise its bar.
   */
  counts?: "requests" | "failures";
  failureStatuses?: number[];
  /**
   * The handler counts the address itself, in a statement of its own (`addressHit` then
   * `admitAddress`), when the counters are rows of the app database: one round trip fewer. With the
   * counters in Redis the guard counts as usual.
   */
  handlerCounts?: boolean;
};

/** The keys a guard counted for a request, the client's own first. */
type Reservation = { keys: string[]; failures: number[] | null };
/** The address hit a guard left to its handler: the counter's key and window, and what to ask past it. */
export type AddressHit = { key: string; windowMs: number };
type Deferred = AddressHit & { rule: GuardRule; failures: number[] | null };

export class Challenges {
  private readonly signKey: string;
  private readonly keySignKey: string;
  private readonly solved = new WeakMap<FastifyRequest, number>();
  private readonly reservations = new WeakMap<FastifyRequest, Reservation>();
  private readonly deferred = new WeakMap<FastifyRequest, Deferred>();

  private readonly deps: {
    store: ThrottleStore;
    clock: Clock;
    secretKey: string;
    enabled: boolean;
    /** CHALLENGE_DELAY_MS: the wait before an answer that asks for a challenge (0: none). */
    refusalDelayMs?: number;
    /** IPV6_SUBNET_PREFIX / IPV6_SPREAD_PREFIX (default 64 / 48). */
    prefixes?: AddressPrefixes;
  };
  constructor(deps: {
    store: ThrottleStore;
    clock: Clock;
    secretKey: string;
    enabled: boolean;
    /** CHALLENGE_DELAY_MS: the wait before an answer that asks for a challenge (0: none). */
    refusalDelayMs?: number;
    /** IPV6_SUBNET_PREFIX / IPV6_SPREAD_PREFIX (default 64 / 48). */
    prefixes?: AddressPrefixes;
  }) {
    this.deps = deps;
    // Keys of their own, derived from SECRET_KEY, so a challenge signature is never a code's HMAC.
    const derive = (label: string) => createHmac("sha256", deps.secretKey).update(label).digest("hex");
    this.signKey = derive("altcha:challenge");
    this.keySignKey = derive("altcha:key");
  }

  get enabled() {
    return this.deps.enabled;
  }

  /** The address key of the request's client: every per-address counter of every flow counts by it. */
  addressOf(request: FastifyRequest): ClientAddress {
    return clientAddress(request.ip, this.deps.prefixes);
  }

  /** A fresh challenge for `scope` at `level` (≥ 1), valid for CHALLENGE_TTL_MS. */
  async issue(scope: string, level: number): Promise<Challenge> {
    const l = Math.max(1, Math.min(DIFFICULTY.maxLevel, level));
    const max = DIFFICULTY.level1MaxCounter * 2 ** (l - 1);
    return createChallenge({
      algorithm: DIFFICULTY.algorithm,
      cost: 1,
      counter: randomInt(max, Math.floor(max / 2)),
      deriveKey,
      data: { scope, level: l },
      expiresAt: new Date(this.deps.clock.now().getTime() + CHALLENGE_TTL_MS),
      hmacSignatureSecret: this.signKey,
      hmacKeySignatureSecret: this.keySignKey,
    });
  }

  /**
   * Refuses with a challenge of `scope` at `level`, after `refusalDelayMs`: a script asking again and
   * again on a few connections is answered a few times a second, so its refusals cost next to nothing
   * beside the sign-ins they share the machine with (a browser takes longer to solve one anyway).
   */
  async require(scope: string, level: number): Promise<never> {
    const challenge = await this.issue(scope, level);
    if (this.deps.refusalDelayMs) await delay(this.deps.refusalDelayMs);
    throw new ChallengeRequired(challenge);
  }

  /**
   * The level of the solution in `header`, or 0: valid signature and solution, issued for `scope`,
   * not expired by our clock (and by the wall clock, which altcha-lib checks too), never used before.
   */
  async redeem(header: string | undefined, scope: string): Promise<number> {
    const payload = decodePayload(header);
    if (!payload) return 0;
    const { parameters, signature } = payload.challenge;
    const now = this.deps.clock.now();
    if (parameters.data?.scope !== scope || typeof parameters.data.level !== "number") return 0;
    if (!parameters.expiresAt || parameters.expiresAt * 1000 <= now.getTime()) return 0;
    const result = await verifySolution({
      challenge: payload.challenge,
      solution: payload.solution,
      deriveKey,
      hmacSignatureSecret: this.signKey,
      hmacKeySignatureSecret: this.keySignKey,
    }).catch(() => null);
    if (!result?.verified || !signature) return 0;
    const claimed = await this.deps.store.claimOnce(
      `altcha:${signature}`,
      new Date(parameters.expiresAt * 1000),
      now,
    );
    return claimed ? parameters.data.level : 0;
  }

  /** The level solved by this request's X-Altcha header (0 when none), once a guard has run. */
  solvedLevel(request: FastifyRequest): number {
    return this.solved.get(request) ?? 0;
  }

  /**
   * Route options (preHandler + onSend) that count the address's requests or failures under `rule`
   * and, past the threshold, ask for a solution whose level grows with the count. Spread them into
   * the route's options; the route then reads `solvedLevel(request)` if it has limits of its own.
   */
  guard(rule: GuardRule) {
    const failures = rule.counts === "failures" ? (rule.failureStatuses ?? [401]) : null;
    const preHandler = async (request: FastifyRequest) => {
      if (!this.deps.enabled) return;
      const header = request.headers[CHALLENGE_HEADER];
      const level = await this.redeem(typeof header === "string" ? header : undefined, rule.scope);
      this.solved.set(request, level);
      const address = this.addressOf(request);
      const key = `${rule.scope}:ip:${address.key}`;
      const now = this.deps.clock.now();
      // An IPv6 client's /48 is counted here in every case, against the higher threshold.
      const spread: string[] = [];
      let spreadNeeded = 0;
      if (address.spread) {
        const spreadKey = `${rule.scope}:net:${address.spread}`;
        const hit = await this.deps.store.hit(spreadKey, rule.windowMs, now);
        spread.push(spreadKey);
        spreadNeeded = levelFor(hit.count, rule.threshold * SPREAD_MULTIPLE);
        this.reservations.set(request, { keys: spread, failures });
        if (spreadNeeded > level) {
          await this.release(request);
          await this.require(rule.scope, spreadNeeded);
        }
      }
      if (rule.handlerCounts && this.deps.store.inDatabase) {
        this.deferred.set(request, { key, windowMs: rule.windowMs, rule, failures });
        return;
      }
      // Reserved before the request is served, in one atomic statement: a burst cannot slip past.
      const { count } = await this.deps.store.hit(key, rule.windowMs, now);
      this.reservations.set(request, { keys: [key, ...spread], failures });
      const needed = levelFor(count, rule.threshold);
      if (needed > level) {
        // A refused request is not served: it must not raise the bar for the address's next one.
        await this.release(request);
        await this.require(rule.scope, needed);
      }
    };
    const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const r = this.reservations.get(request);
      if (r?.failures && !r.failures.includes(reply.statusCode)) await this.release(request);
      return payload;
    };
    return { preHandler, onSend };
  }

  /**
   * The address hit this request's guard left to the handler (`handlerCounts`), or null when the
   * guard counted it already. The handler counts it (`hitStatement` in its own statement) before it
   * compares any secret, then calls `admitAddress` with the count.
   */
  addressHit(request: FastifyRequest): AddressHit | null {
    const d = this.deferred.get(request);
    return d ? { key: d.key, windowMs: d.windowMs } : null;
  }

  /**
   * The address's count that the handler made: reserved as the guard's own (0), or past the threshold
   * the level to ask for, reserving nothing: the handler then gives its counts back, in one statement
   * of its own, and refuses with `require`.
   */
  admitAddress(request: FastifyRequest, count: number): number {
    const d = this.deferred.get(request);
    if (!d) return 0;
    this.deferred.delete(request);
    const needed = levelFor(count, d.rule.threshold);
    if (needed > this.solvedLevel(request)) return needed;
    const spread = this.reservations.get(request)?.keys ?? [];
    this.reservations.set(request, { keys: [d.key, ...spread], failures: d.failures });
    return 0;
  }

  /**
   * Hands the address's reservation of a failure-counting guard to the handler, which has succeeded
   * and releases it inside its own statement; the guard's onSend then leaves it alone. The key, or
   * null when there is none to release.
   */
  takeReservation(request: FastifyRequest): string | null {
    const r = this.reservations.get(request);
    // Before `admitAddress` the reservation holds only an IPv6 client's /48, not the client's own key.
    if (!r?.failures || r.keys.length === 0 || this.deferred.has(request)) return null;
    // The client's own key; the /48's stays with the guard, whose onSend gives it back.
    const [key, ...rest] = r.keys;
    this.reservations.set(request, { keys: rest, failures: r.failures });
    return key!;
  }

  private async release(request: FastifyRequest) {
    const r = this.reservations.get(request);
    if (!r) return;
    this.reservations.delete(request);
    for (const key of r.keys) await this.deps.store.release(key);
  }
}

function decodePayload(header: string | undefined): Payload | null {
  if (!header || header.length > 8192) return null;
  try {
    const value = JSON.parse(Buffer.from(header, "base64").toString("utf8")) as Payload;
    const ok =
      value &&
      typeof value === "object" &&
      value.challenge &&
      typeof value.challenge === "object" &&
      value.challenge.parameters &&
      typeof value.challenge.parameters === "object" &&
      value.solution &&
      typeof value.solution === "object";
    return ok ? value : null;
  } catch {
    return null;
  }
}

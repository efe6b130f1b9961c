// Scale: login and tracking latency with many accounts, seeded by COPY (PostgreSQL only).
import { hash } from "@node-rs/argon2";
import { ARGON2_PARAMS } from "../src/platform/passwords.ts";
import { countOf, type Load, load, mobileOf, nationalId, PASSWORD, type Server, seedByCopy } from "./lib.ts";
import { loginBody, row, type Settings } from "./scenarios.ts";

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

/** Login and tracking p50/p99 with `sizes` accounts seeded by COPY (PostgreSQL only). */
export async function scale(server: Server, s: Settings, url: string, sizes: [number, number]) {
  const pg = (await import("pg")).default;
  const phc = await hash(PASSWORD, ARGON2_PARAMS);
  const out: Record<number, { login: Load; track: Load }> = {};
  let seeded = 0;
  for (const size of sizes) {
    const t = performance.now();
    // In chunks of 1 M, so that no COPY holds millions of ids in memory.
    for (; seeded < size; seeded = Math.min(size, seeded + 1_000_000)) {
      await seedByCopy(url, 6, seeded, Math.min(size, seeded + 1_000_000), phc);
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("analyze accounts; analyze registration_requests");
    await client.end();
    console.log(`  seeded ${size} accounts in ${f((performance.now() - t) / 1000)} s`);
    const pick = () => Math.floor(Math.random() * size);
    // Warm-up (JIT, caches) so the first size is not measured cold.
    await load(server.port, "/api/login", {
      connections: s.cores,
      seconds: 1,
      bodies: () => loginBody(PASSWORD, nationalId(6, pick())),
    });
    const login = await load(server.port, "/api/login", {
      connections: s.cores,
      seconds: s.seconds,
      bodies: () => loginBody(PASSWORD, nationalId(6, pick())),
    });
    const track = await load(server.port, "/api/registrations/tracking", {
      connections: s.cores,
      seconds: s.seconds,
      bodies: () => {
        const n = pick();
        return JSON.stringify({ nationalId: nationalId(6, n), mobile: mobileOf(6, n) });
      },
    });
    if (countOf(login, 200) !== login.total || countOf(track, 200) !== track.total) {
      throw new Error(`scale ${size}: unexpected answers login ${login.codes} tracking ${track.codes}`);
    }
    out[size] = { login, track };
  }
  const [small, big] = sizes.map((n) => out[n]!) as [(typeof out)[number], (typeof out)[number]];
  const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000} M` : `${n / 1000} k`);
  return (["login", "track"] as const).map((k) => {
    const ratio = big[k].p99 / small[k].p99;
    return row({
      id: `scale.${k === "track" ? "tracking" : "login"}`,
      scenario: `scale: ${k === "track" ? "tracking" : "login"} p50/p99`,
      project: `${label(sizes[1])}: ${big[k].p50} / ${big[k].p99} ms`,
      baseline: `${label(sizes[0])}: ${small[k].p50} / ${small[k].p99} ms`,
      ratio,
      target: "p99 ≤ 1.2 ×",
      pass: ratio <= 1.2,
      generator: big[k].generator,
    });
  });
}

// TRUST_PROXY: which hops of X-Forwarded-For to believe. Every entry of that header but the ones our
// own proxies appended is written by the client, so trusting the whole chain (`true`) would let anyone
// choose the address that the limits, sessions and audit see. Refused; give a hop count or addresses.
// Addresses are the safer choice: a hop count also trusts a client that reaches Hoviat directly, so it
// is only for deployments where nothing but the proxies can connect.
import { isIP } from "node:net";
import { ConfigError } from "./config-error.ts";

/** false (the socket's address), a hop count, or the proxies' addresses/CIDRs (proxy-addr syntax). */
export type TrustProxy = false | number | string[];

const NAMED = new Set(["loopback", "linklocal", "uniquelocal"]);

function isAddressOrCidr(entry: string): boolean {
  if (NAMED.has(entry)) return true;
  const [address, bits, ...rest] = entry.split("/");
  const version = isIP(address ?? "");
  if (!version || rest.length) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n >= 0 && n <= (version === 4 ? 32 : 128);
}

export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = (raw ?? "").trim();
  if (value === "" || value === "false" || value === "0") return false;
  if (value === "true") {
    throw new ConfigError(
      "TRUST_PROXY=true would believe every address a client writes into X-Forwarded-For; " +
        "set the number of proxies in front of Hoviat (e.g. 1) or their addresses (e.g. 10.0.0.0/8)",
    );
  }
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(",").map((e) => e.trim());
  const bad = entries.filter((e) => !isAddressOrCidr(e));
  if (bad.length) {
    throw new ConfigError(
      `TRUST_PROXY must be false, a hop count or a comma list of addresses/CIDRs; not ${bad.join(", ")}`,
    );
  }
  return entries;
}

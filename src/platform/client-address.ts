// The address key of a client: what every per-address counter counts under (R-ABUSE). An IPv4 client
// is its address; an IPv6 client is its /64 (IPV6_SUBNET_PREFIX), because one household or phone is
// given a whole /64 and could otherwise count as 2^64 clients; an IPv4-mapped address (`::ffff:a.b.c.d`,
// what a dual-stack socket reports for an IPv4 client) is the IPv4 address. An IPv6 client also has
// a spread key, its /48 (IPV6_SPREAD_PREFIX), counted against a higher threshold: an attacker given a
// /48 has 65 536 /64s to spread over. docs/decisions/008.
import { isIPv4, isIPv6 } from "node:net";

export type AddressPrefixes = {
  /** IPV6_SUBNET_PREFIX: the prefix length one IPv6 client is counted by (default 64). */
  subnet: number;
  /** IPV6_SPREAD_PREFIX: the shorter prefix whose many subnets are also counted together (default 48). */
  spread: number;
};

export const DEFAULT_PREFIXES: AddressPrefixes = { subnet: 64, spread: 48 };

/** Per-address counters: `key` for the client, `spread` (IPv6 only) for its wider network. */
export type ClientAddress = { key: string; spread: string | null };

/** The client's keys; an address that does not parse (never from a socket) is its own key. */
export function clientAddress(ip: string, prefixes: AddressPrefixes = DEFAULT_PREFIXES): ClientAddress {
  if (isIPv4(ip)) return { key: ip, spread: null };
  const groups = isIPv6(ip) ? ipv6Groups(ip) : null;
  if (!groups) return { key: ip, spread: null };
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [a, b] = [groups[6]!, groups[7]!];
    return { key: `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`, spread: null };
  }
  return { key: prefix(groups, prefixes.subnet), spread: prefix(groups, prefixes.spread) };
}

/** `2001:db8:1:2::/64`: the groups the prefix covers (the last one masked), in hexadecimal. */
function prefix(groups: number[], bits: number): string {
  const covered = Math.ceil(bits / 16);
  const kept = groups.slice(0, covered).map((g, i) => {
    const left = bits - i * 16;
    return left >= 16 ? g : g & ((0xffff << (16 - left)) & 0xffff);
  });
  return `${kept.map((g) => g.toString(16)).join(":")}${covered < 8 ? "::" : ""}/${bits}`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone dropped, embedded IPv4 tail read). */
function ipv6Groups(address: string): number[] | null {
  let text = address.split("%")[0]!.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (part: string | undefined) =>
    part ? part.split(":").map((g) => Number.parseInt(g, 16)) : [];
  const left = parse(head);
  const right = parse(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<number>(Math.max(0, fill)).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

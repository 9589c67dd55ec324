import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * IPv4 CIDR checks for token `cidr_whitelist` (npm accepts IPv4 ranges only), on Node's
 * `net.BlockList`: it matches an IPv4-mapped IPv6 client address (`::ffff:10.0.0.1`, as a
 * dual-stack socket reports IPv4 peers, in any spelling) against IPv4 ranges.
 */
export function isValidCidr(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const [ip, bits, ...rest] = v.split('/');
  if (rest.length > 0 || !ip || !isIPv4(ip)) return false;
  if (bits === undefined) return true;
  return /^\d{1,2}$/.test(bits) && Number(bits) <= 32;
}

/** BlockLists by their ranges: a token's list is built once, not on every request. */
const lists = new Map<string, BlockList>();
const MAX_CACHED = 1000;

function blockListOf(cidrs: string[]): BlockList {
  const key = cidrs.join(',');
  let list = lists.get(key);
  if (!list) {
    list = new BlockList();
    for (const c of cidrs) {
      if (!isValidCidr(c)) continue; // stored ranges were validated; never match on a bad one
      const [ip, bits] = c.split('/');
      list.addSubnet(ip!, bits === undefined ? 32 : Number(bits), 'ipv4');
    }
    if (lists.size >= MAX_CACHED) lists.clear();
    lists.set(key, list);
  }
  return list;
}

export function ipInCidrs(ip: string, cidrs: string[]): boolean {
  const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : null;
  if (!family || cidrs.length === 0) return false;
  return blockListOf(cidrs).check(ip, family);
}

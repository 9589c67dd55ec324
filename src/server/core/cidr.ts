import { isIPv4 } from 'node:net';

/** IPv4 CIDR checks for token `cidr_whitelist` (npm accepts IPv4 ranges only). */
function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

export function isValidCidr(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const [ip, bits, ...rest] = v.split('/');
  if (rest.length > 0 || !ip || !isIPv4(ip)) return false;
  if (bits === undefined) return true;
  return /^\d{1,2}$/.test(bits) && Number(bits) <= 32;
}

export function ipInCidrs(ip: string, cidrs: string[]): boolean {
  const addr = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (!isIPv4(addr)) return false;
  const n = ipv4ToInt(addr);
  return cidrs.some((c) => {
    const [base, bitsStr] = c.split('/');
    const bits = bitsStr === undefined ? 32 : Number(bitsStr);
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return ((n & mask) >>> 0) === ((ipv4ToInt(base!) & mask) >>> 0);
  });
}

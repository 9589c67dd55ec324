import { hash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing, token hashing and constant-time comparison.
 *
 * Passwords: scrypt, N=2^14, r=8, p=1, 16-byte random salt, 32-byte key, stored as
 * `scrypt$14$8$1$<salt b64>$<hash b64>` so the parameters can be raised later without breaking
 * old hashes. Tokens are long random strings, so a fast hash is enough: a token is stored only as
 * npm's `key` (the hex sha512 of the token); a recovery code as its hex sha256 (see newRecoveryCode).
 */
export const SCRYPT = { logN: 14, r: 8, p: 1, keyLen: 32, saltLen: 16 } as const;

function scrypt(password: string, salt: Buffer, logN: number, r: number, p: number, keyLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keyLen, { N: 2 ** logN, r, p, maxmem: 256 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltLen);
  const key = await scrypt(password, salt, SCRYPT.logN, SCRYPT.r, SCRYPT.p, SCRYPT.keyLen);
  return `scrypt$${SCRYPT.logN}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  if (!stored) {
    // Spend the same time as a real check, so timing does not reveal which accounts have passwords.
    await scrypt(password, Buffer.alloc(SCRYPT.saltLen), SCRYPT.logN, SCRYPT.r, SCRYPT.p, SCRYPT.keyLen);
    return false;
  }
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, logN, r, p, saltB64, hashB64] = parts;
  const expected = Buffer.from(hashB64!, 'base64');
  const key = await scrypt(password, Buffer.from(saltB64!, 'base64'), Number(logN), Number(r), Number(p), expected.length);
  return timingSafeEqual(key, expected);
}

/** npm's token `key`: the hex sha512 of the token. */
export function tokenKey(token: string): string {
  return hash('sha512', token, 'hex');
}

export function sha256Hex(s: string): string {
  return hash('sha256', s, 'hex');
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new bearer token in npm's style: `npm_` and 36 random base62 characters (~214 bits). */
export function newToken(): string {
  const bytes = randomBytes(36);
  let s = 'npm_';
  for (const b of bytes) s += BASE62[b % 62];
  return s;
}

/**
 * The redacted form shown in token lists: the prefix and four characters. Plain, because npm
 * appends its own `…` and matches `npm token revoke <token>` against this prefix.
 */
export function redactToken(token: string): string {
  return token.slice(0, 8);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A recovery code people can type: 10 base32 characters (50 random bits) in two groups,
 * `ABCDE-FGH23`. Guessing is bounded by the OTP throttle and lockout; stored as the sha256 of its
 * normalized form (recoveryCodeHash). A slow hash would add nothing: whoever reads the store also
 * reads the TOTP secret it sits next to.
 */
export function newRecoveryCode(): string {
  const chars = [...randomBytes(10)].map((b) => BASE32[b & 31]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/**
 * The stored hash a typed recovery code would match, or null when it has neither form: the short
 * form in any case, with or without the dash or spaces (0, 1 and 8, which base32 lacks, read as
 * O, I and B), or the 64 hex characters of codes issued before (still accepted).
 */
export function recoveryCodeHash(typed: string): string | null {
  const s = typed.replace(/[\s-]+/g, '');
  if (/^[0-9a-f]{64}$/i.test(s)) return sha256Hex(s.toLowerCase());
  const short = s.toUpperCase().replace(/0/g, 'O').replace(/1/g, 'I').replace(/8/g, 'B');
  return /^[A-Z2-7]{10}$/.test(short) ? sha256Hex(short) : null;
}

/** How many recovery codes a user gets when 2FA turns on. */
export const RECOVERY_CODES = 5;

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
}

export function newId(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/** Constant-time string equality (lengths leak, contents do not). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}

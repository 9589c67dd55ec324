import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing, token hashing and constant-time comparison.
 *
 * Passwords: scrypt, N=2^14, r=8, p=1, 16-byte random salt, 32-byte key, stored as
 * `scrypt$14$8$1$<salt b64>$<hash b64>` so the parameters can be raised later without breaking
 * old hashes. Tokens and recovery codes are long random strings, so a fast hash is enough: a token
 * is stored only as npm's `key` (the hex sha512 of the token), a recovery code as its hex sha256.
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
  return createHash('sha512').update(token).digest('hex');
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
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

/** A recovery code: 64 hex characters, the form npm's OTP prompt accepts besides digits. */
export function newRecoveryCode(): string {
  return randomBytes(32).toString('hex');
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

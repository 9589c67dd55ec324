import { createGuardrails, generateSecret, generateSync, generateURI } from 'otplib';
import { safeEqual } from './secrets.js';

/**
 * TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps) on otplib, with the clock passed in.
 * Secrets as short as 10 bytes are accepted so that classic authenticator secrets can be seeded.
 */
export const STEP_SECONDS = 30;
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 10 });

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, account: string, issuer = 'orgctl'): string {
  return generateURI({ issuer, label: account, secret });
}

export function totpAt(secret: string, nowMs: number): string {
  return generateSync({ secret, epoch: Math.floor(nowMs / 1000), guardrails });
}

export function stepAt(nowMs: number): number {
  return Math.floor(nowMs / 1000 / STEP_SECONDS);
}

/** True when `secret` is base32 that otplib accepts (used to validate seeds). */
export function isUsableSecret(secret: unknown): secret is string {
  if (typeof secret !== 'string' || !/^[A-Z2-7]+=*$/.test(secret)) return false;
  try {
    totpAt(secret, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks `code` against the steps before, at and after now. Every candidate is compared, in
 * constant time, whatever matches, so timing reveals nothing. Returns the matching step or null.
 */
export function matchTotp(secret: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const now = stepAt(nowMs);
  let found: number | null = null;
  for (const step of [now - 1, now, now + 1]) {
    const expected = generateSync({ secret, epoch: step * STEP_SECONDS, guardrails });
    if (safeEqual(expected, code) && found === null) found = step;
  }
  return found;
}

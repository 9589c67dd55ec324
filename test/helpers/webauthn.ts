/**
 * Job: play a security key's page without a browser, and answer as a (copied) key would: for the
 * refusals a real browser never sends (a replayed answer, another origin, a lower counter).
 *
 *   const p = await openKeyPage(authUrl)                -> { status, cookie, csrf, html }
 *   await keyPageCall(authUrl, p, '/options')           -> CallResult (the WebAuthn options)
 *   await keyPageCall(authUrl, p, '', answer)           -> CallResult (the verdict)
 *   signAssertion(credential, { challenge, origin, counter })  -> the JSON a browser would send
 *
 * `credential` comes from the virtual authenticator (browser.ts `credentials()`), private key included.
 */
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { call, type CallResult } from './http.js';
import type { VirtualCredential } from './browser.js';

export interface KeyPage {
  status: number;
  cookie: string;
  csrf: string;
  html: string;
}

export async function openKeyPage(url: string): Promise<KeyPage> {
  const res = await fetch(url);
  const html = await res.text();
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const csrf = /data-csrf="([^"]*)"/.exec(html)?.[1] ?? '';
  return { status: res.status, cookie, csrf, html };
}

/** A call the page's script makes: same origin, its cookie and CSRF token (`origin` overrides the Origin header). */
export function keyPageCall(url: string, p: KeyPage, suffix: string, body: unknown = {}, origin?: string): Promise<CallResult> {
  const u = new URL(url);
  return call(u.origin + '/', 'POST', u.pathname + suffix, { body, headers: { cookie: p.cookie, 'x-csrf-token': p.csrf, origin: origin ?? u.origin } });
}

const b64url = (b: Buffer) => b.toString('base64url');

/** An assertion signed with the credential's private key, for any challenge, origin and counter. */
export function signAssertion(cred: VirtualCredential, o: { challenge: string; origin: string; counter: number; rpId?: string }): Record<string, unknown> {
  const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: o.challenge, origin: o.origin, crossOrigin: false }));
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(o.counter);
  // rpIdHash, flags (user present + user verified), signature counter
  const authData = Buffer.concat([createHash('sha256').update(o.rpId ?? cred.rpId).digest(), Buffer.from([0x05]), counter]);
  const key = createPrivateKey({ key: Buffer.from(cred.privateKey, 'base64'), format: 'der', type: 'pkcs8' });
  // Ed25519 signs the message itself; ECDSA P-256 and RSA sign its SHA-256.
  const signature = sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', Buffer.concat([authData, createHash('sha256').update(clientData).digest()]), key);
  const id = b64url(Buffer.from(cred.credentialId, 'base64'));
  return {
    id,
    rawId: id,
    type: 'public-key',
    clientExtensionResults: {},
    response: { clientDataJSON: b64url(clientData), authenticatorData: b64url(authData), signature: b64url(signature) },
  };
}

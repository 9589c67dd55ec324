/**
 * Job: a real browser for page tests: Debian's chromium driven by puppeteer-core, with a fresh
 * profile, and (for security keys) the DevTools virtual authenticator. Screenshots go to
 * test-artifacts/ (git-ignored; CI keeps them).
 *
 *   const b = await launchBrowser({ authenticator: true });   // null when no chromium (skipped outside CI)
 *   const page = await b.page();                             // the page security-key steps run in (b.newPage() for more)
 *   await b.shot(page, 'security-key-add');                  // test-artifacts/security-key-add.png
 *   await b.confirmKeyPage(url, 'security-key-add')          // a security-key page: screenshot, press its button,
 *                                                             // wait for the verdict, screenshot; returns the verdict text
 *   await b.webLoginForm(loginUrl, user, password, name)     // the web-login form; returns the security-key link or null
 *   await b.credentials()                                     // the virtual authenticator's keys (private keys too)
 *   await b.close();
 *
 * `browserIt` is `it` when a chromium is found or in CI (CI=true, where a missing one fails), else `it.skip`.
 */
import { it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'puppeteer-core';
import { ROOT } from './fixtures.js';

export const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'chromium'))].find((p) => p && existsSync(p));
const IN_CI = process.env.CI === 'true';
export const browserIt = CHROMIUM || IN_CI ? it : it.skip;
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** A credential as the virtual authenticator holds it (DevTools WebAuthn.Credential). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  /** base64 PKCS#8 */
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

export interface TestBrowser {
  browser: Browser;
  newPage(): Promise<Page>;
  /** a screenshot of `page` in test-artifacts/<name>.png */
  shot(page: Page, name: string): Promise<void>;
  /** the one page the security-key steps run in (opened on first use, brought to the front: WebAuthn needs focus) */
  page(): Promise<Page>;
  /** opens a security-key page (add a key, or confirm a challenge), presses its button and returns the verdict shown */
  confirmKeyPage(url: string, name: string): Promise<string>;
  /**
   * The registry's web-login page: types the user name and password, submits, screenshots the
   * answer as `name`; returns the security-key step's link (null when the page shows none).
   */
  webLoginForm(loginUrl: string, user: string, password: string, name: string): Promise<string | null>;
  /** the virtual authenticator's credentials */
  credentials(): Promise<VirtualCredential[]>;
  /** replaces a credential (e.g. with a lower signCount: a cloned key) */
  putCredential(c: VirtualCredential): Promise<void>;
  close(): Promise<void>;
}

export async function launchBrowser(opts: { authenticator?: boolean } = {}): Promise<TestBrowser> {
  if (!CHROMIUM) throw new Error("chromium not found: .ci/run installs Debian's chromium package");
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = await mkdtemp(join(tmpdir(), 'orgctl-chromium-'));
  await mkdir(ARTIFACTS, { recursive: true });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // One authenticator for the whole browser: attached to each page's session as it opens.
  let cdp: CDPSession | null = null;
  let authenticatorId: string | null = null;
  const newPage = async (): Promise<Page> => {
    const page = await browser.newPage();
    await page.setViewport({ width: 900, height: 600 });
    if (opts.authenticator) {
      const s = await page.createCDPSession();
      await s.send('WebAuthn.enable');
      if (authenticatorId && cdp) {
        // carry the keys over to this page's authenticator
        const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
        const added = await s.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATOR });
        for (const c of credentials) await s.send('WebAuthn.addCredential', { authenticatorId: added.authenticatorId, credential: c });
        authenticatorId = added.authenticatorId;
      } else {
        authenticatorId = (await s.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATOR })).authenticatorId;
      }
      cdp = s;
    }
    return page;
  };
  let keyPage: Page | null = null;
  const mainPage = async () => {
    keyPage ??= await newPage();
    await keyPage.bringToFront();
    return keyPage;
  };
  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  };
  return {
    browser,
    newPage,
    shot,
    page: mainPage,
    async confirmKeyPage(url, name) {
      const page = await mainPage();
      await page.goto(url, { waitUntil: 'load' });
      await shot(page, name);
      await page.click('#go');
      await page.waitForFunction(() => document.body.dataset.done === 'true' || document.querySelector('#status.error'), { timeout: 20_000 });
      await shot(page, `${name}-done`);
      return page.evaluate(() => document.getElementById('status')!.textContent ?? '');
    },
    async webLoginForm(loginUrl, user, password, name) {
      const page = await mainPage();
      await page.goto(loginUrl, { waitUntil: 'load' });
      await page.type('input[name=username]', user);
      await page.type('input[name=password]', password);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      await shot(page, name);
      const link = await page.$('#security-key');
      return link ? link.evaluate((a) => (a as HTMLAnchorElement).href) : null;
    },
    async credentials() {
      if (!cdp || !authenticatorId) return [];
      return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as VirtualCredential[];
    },
    async putCredential(c) {
      if (!cdp || !authenticatorId) throw new Error('no virtual authenticator');
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: c.credentialId });
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: c });
    },
    async close() {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const AUTHENTICATOR = { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } as const;

/** The browser opener for web login (issue 18, item 10): $BROWSER or the platform's opener. */
import { describe, expect, it } from '@jest/globals';
import { browserCommand, openBrowser } from '../../../src/ui/open-browser.js';

describe('browserCommand', () => {
  const url = 'https://registry.example/-/v1/login/web/abc?x=1&y=2';
  it.each([
    ['linux', ['xdg-open', [url]]],
    ['darwin', ['open', [url]]],
    ['win32', ['rundll32', ['url.dll,FileProtocolHandler', url]]],
  ] as const)('%s: the platform opener, the URL one argument (no shell)', (platform, expected) => {
    expect(browserCommand(url, {}, platform)).toEqual(expected);
  });
  it('$BROWSER wins', () => {
    expect(browserCommand(url, { BROWSER: '/usr/bin/firefox' }, 'linux')).toEqual(['/usr/bin/firefox', [url]]);
  });
});

describe('openBrowser', () => {
  it('true when the opener exits 0; false when it fails or does not exist; only http(s) URLs', async () => {
    expect(await openBrowser('https://registry.example/', { PATH: process.env.PATH, BROWSER: 'true' })).toBe(true);
    expect(await openBrowser('https://registry.example/', { PATH: process.env.PATH, BROWSER: 'false' })).toBe(false);
    expect(await openBrowser('https://registry.example/', { PATH: process.env.PATH, BROWSER: '/nonexistent/browser' })).toBe(false);
    expect(await openBrowser('file:///etc/passwd', { PATH: process.env.PATH, BROWSER: 'true' })).toBe(false);
  });
});

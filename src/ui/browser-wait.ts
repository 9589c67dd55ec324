import { CancelError } from '../errors.js';
import type { IO } from './io.js';
import { openBrowser } from './open-browser.js';
import { withSpinner, type Spinner } from './spinner.js';
import { safe } from './visible.js';

export interface BrowserWaitOptions<T> {
  /** Printed first: `<title>:\n<url>` on stderr. */
  title: string;
  url: string;
  /** The spinner's text while `wait` runs. */
  waiting: string;
  /** The wait itself (polling the registry); it should stop when `signal` aborts. */
  wait: (signal: AbortSignal) => Promise<T>;
  /** The message of the CancelError (exit 3) when the user presses Ctrl-C. */
  cancelled: string;
  /** Opens the URL (default: openBrowser with io.env). */
  open?: (url: string) => Promise<boolean>;
}

type RawStdin = NodeJS.ReadableStream & { isTTY?: boolean; isRaw?: boolean; setRawMode?: (raw: boolean) => unknown };

/**
 * A step the user finishes in a browser (web login; security keys later): prints the URL, and on
 * a terminal offers "Press Enter to open the browser" (once; the platform opener, or $BROWSER) and
 * Ctrl-C to cancel (a CancelError, exit 3, with `cancelled`), reading keys in raw mode so nothing
 * typed is echoed under the spinner. Without a terminal it only prints the URL and waits.
 */
export async function waitForBrowser<T>(io: IO, opts: BrowserWaitOptions<T>): Promise<T> {
  io.err(safe`${opts.title}:\n${opts.url}\n`);
  const stdin = io.stdin as RawStdin;
  const abort = new AbortController();
  if (!(io.canPrompt() && typeof stdin.setRawMode === 'function')) return withSpinner(io, opts.waiting, () => opts.wait(abort.signal));
  // Keys are read (raw, not echoed) before the offer is printed, so an Enter right after it counts.
  let spinner: Spinner | undefined;
  let text = opts.waiting;
  const say = (t: string) => {
    text = t;
    spinner?.update(t);
  };
  let opened = false;
  let onData: (chunk: Buffer | string) => void = () => undefined;
  const cancelled = new Promise<never>((_, reject) => {
    onData = (chunk) => {
      const s = String(chunk);
      if (s.includes('\x03')) {
        abort.abort();
        reject(new CancelError(opts.cancelled));
      } else if (/[\r\n]/.test(s) && !opened) {
        opened = true;
        say(`Opening the browser… ${opts.waiting}`);
        void (opts.open ?? ((u) => openBrowser(u, io.env)))(opts.url).then((ok) =>
          say(ok ? `Opened the browser. ${opts.waiting}` : `Could not open a browser: open the URL above yourself. ${opts.waiting}`),
        );
      }
    };
  });
  cancelled.catch(() => undefined); // a Ctrl-C before the race starts is not an unhandled rejection
  const wasRaw = !!stdin.isRaw;
  stdin.setRawMode!(true);
  stdin.on('data', onData);
  stdin.resume();
  try {
    io.err('Press Enter to open the browser, or Ctrl-C to cancel.\n');
    return await withSpinner(io, text, (s) => {
      spinner = s;
      s.update(text);
      return Promise.race([opts.wait(abort.signal), cancelled]);
    });
  } finally {
    stdin.off('data', onData);
    stdin.setRawMode!(wasRaw);
    stdin.pause();
  }
}

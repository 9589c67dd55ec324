import { spawn } from 'node:child_process';

/**
 * The command that opens a URL in the user's browser: `$BROWSER <url>` when BROWSER is set (as gh
 * and many tools honour), else the platform's opener (macOS `open`, Windows `rundll32
 * url.dll,FileProtocolHandler`, which no shell parses, elsewhere `xdg-open`).
 */
export function browserCommand(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): [string, string[]] {
  if (env.BROWSER) return [env.BROWSER, [url]];
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
  return ['xdg-open', [url]];
}

/**
 * Opens `url` (http or https only) in the browser; resolves true once the opener exited with 0,
 * false if it is missing or failed. Never throws: the caller has printed the URL anyway.
 */
export function openBrowser(url: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (!/^https?:\/\//i.test(url)) return Promise.resolve(false);
  const [cmd, args] = browserCommand(url, env);
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args, { stdio: 'ignore', env });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
    } catch {
      resolve(false);
    }
  });
}

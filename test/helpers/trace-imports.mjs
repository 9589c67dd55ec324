// Preload for `node --import`: prints every resolved module URL to stderr as `IMPORT <url>`.
// Used to prove which modules a CLI invocation loads (e.g. that --version loads no heavy ones).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      'export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write("IMPORT " + r.url + "\\n"); return r; }',
    ),
);

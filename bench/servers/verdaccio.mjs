// A Verdaccio 6 (the devDependency) for the bench, in a process of its own, on 127.0.0.1:0; prints its URL.
//   node bench/servers/verdaccio.mjs plain <dir>               htpasswd, JWT tokens, no orgctl plugin
//   node bench/servers/verdaccio.mjs plugin <dir> <seed.json>   with orgctl's plugin (its data in <dir>/orgctl-data)
// The configs are the ones test/helpers/verdaccio.ts uses (startPlainVerdaccio, verdaccioConfig).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const [mode, dir, seed] = process.argv.slice(2);
const common = {
  configPath: join(dir, 'config.yaml'),
  self_path: join(dir, 'config.yaml'),
  storage: join(dir, 'storage'),
  web: { enable: false },
  log: { type: 'stdout', format: 'json', level: 'fatal' },
  // JWT for both: with Verdaccio's legacy tokens every request re-checks the htpasswd bcrypt hash
  // (a few requests per second), which would measure bcrypt, not the server.
  security: { api: { jwt: { sign: { expiresIn: '7d' } } } },
};
const config =
  mode === 'plain'
    ? {
        ...common,
        auth: { htpasswd: { file: join(dir, 'htpasswd'), max_users: 100 } },
        packages: { '@*/*': { access: '$authenticated', publish: '$authenticated' }, '**': { access: '$all', publish: '$authenticated' } },
      }
    : {
        ...common,
        plugins: join(ROOT, 'plugins'),
        auth: { orgctl: { data: join(dir, 'orgctl-data'), seed } },
        middlewares: { orgctl: { data: join(dir, 'orgctl-data') } },
        packages: {
          '@*/*': { access: '$authenticated', publish: '$authenticated', unpublish: '$authenticated' },
          '**': { access: '$all', publish: '$authenticated', unpublish: '$authenticated' },
        },
      };
const { runServer } = createRequire(join(ROOT, 'package.json'))('verdaccio');
const server = await runServer(config);
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}/\n`));
process.on('SIGTERM', () => process.exit(0));

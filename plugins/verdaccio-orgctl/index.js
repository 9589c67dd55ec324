'use strict';
/**
 * Verdaccio's plugin loader `require`s this folder and calls the export as a factory
 * `(pluginConfig, { config, logger })` that must return the plugin synchronously. orgctl is an ES
 * module, so this entry returns a thin object at once and forwards every call to the real plugin
 * (dist/verdaccio/plugin.js) once `import()` has loaded it. Used for both config sections:
 * `auth: { orgctl: … }` and `middlewares: { orgctl: … }`.
 */
const path = require('node:path');
const { pathToFileURL } = require('node:url');

let loaded;
/** The ESM module (one instance per process, shared by both plugin halves). */
function load() {
  return (loaded ??= import(pathToFileURL(path.join(__dirname, '..', '..', 'dist', 'verdaccio', 'plugin.js')).href));
}

function orgctlPlugin(pluginConfig, options) {
  const plugin = load().then((m) => m.createPlugin(pluginConfig, options));
  plugin.catch((err) => options.logger.error({ err: err && err.message }, 'orgctl plugin failed to load: @{err}'));
  const withCallback = (name) =>
    function (...args) {
      const cb = args[args.length - 1];
      plugin.then((p) => p[name](...args), (err) => cb(err));
    };
  const lazyMiddleware = (make) => {
    const mw = plugin.then(make);
    mw.catch(() => {}); // reported above; each request then gets the error
    return (req, res, next) => {
      // Hold the body while the plugin loads (Verdaccio's access log already reads it).
      req.pause();
      mw.then((fn) => fn(req, res, next), next);
    };
  };
  return {
    authenticate: withCallback('authenticate'),
    allow_access: withCallback('allow_access'),
    allow_publish: withCallback('allow_publish'),
    allow_unpublish: withCallback('allow_unpublish'),
    apiJWTmiddleware: (helpers) => lazyMiddleware((p) => p.apiJWTmiddleware(helpers)),
    // storage: Verdaccio's package storage, where the plugin reads a package's maintainers
    register_middlewares(app, _auth, storage) {
      app.use(lazyMiddleware((p) => p.middleware(storage)));
    },
  };
}

module.exports = orgctlPlugin;
module.exports.load = load;

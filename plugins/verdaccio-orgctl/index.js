'use strict';
/**
 * Verdaccio's plugin loader `require`s this folder and calls the export as a factory
 * `(pluginConfig, { config, logger })` that must return the plugin synchronously. The real plugin
 * (dist/verdaccio/plugin.js) is an ES module, loaded here with `require` (Node >= 20.19 loads ES
 * modules synchronously), so it checks Verdaccio's config while Verdaccio starts. Used for both
 * config sections: `auth: { orgctl: … }` and `middlewares: { orgctl: … }`.
 *
 * Verdaccio only logs an error thrown by this factory and runs on without the plugin, so a config
 * problem is thrown from the hooks Verdaccio calls while building its app (`apiJWTmiddleware` for
 * the auth half, `register_middlewares` for the other): then Verdaccio does not start.
 */
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const ENTRY = path.join(__dirname, '..', '..', 'dist', 'verdaccio', 'plugin.js');

let loaded;
let loading;
/**
 * The ESM module (one instance per process, shared by both plugin halves). `require` loads it
 * synchronously; a host whose `require` cannot load ES modules (a test runner) awaits `load()`
 * before starting Verdaccio.
 */
function plugin() {
  return (loaded ??= require(ENTRY));
}

function orgctlPlugin(pluginConfig, options) {
  const p = plugin().createPlugin(pluginConfig, options);
  return {
    authenticate: (...a) => p.authenticate(...a),
    allow_access: (...a) => p.allow_access(...a),
    allow_publish: (...a) => p.allow_publish(...a),
    allow_unpublish: (...a) => p.allow_unpublish(...a),
    apiJWTmiddleware(helpers) {
      p.assertUsable();
      return p.apiJWTmiddleware(helpers);
    },
    // storage: Verdaccio's package storage, where the plugin reads a package's maintainers
    register_middlewares(app, _auth, storage) {
      p.assertUsable();
      app.use(p.middleware(storage));
    },
  };
}

module.exports = orgctlPlugin;
/** The plugin module, for hosts and test harnesses that provide the registry themselves. */
module.exports.load = () => (loading ??= import(pathToFileURL(ENTRY).href).then((m) => (loaded ??= m)));

/**
 * The operator API's address, shared by the registry (which serves it) and the operator commands
 * (which call it): a Unix socket in the data folder, never TCP. docs/registry-api.md,
 * "Operator commands".
 */
export const ADMIN_SOCKET = 'admin.sock';
/** Every operator call is `POST <prefix><op>` with a JSON body, e.g. `POST /-/admin/v1/users.add`. */
export const ADMIN_PREFIX = '/-/admin/v1/';

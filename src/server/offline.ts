import path from 'node:path';
import { FileMailer } from './core/outbox.js';
import { RegistryCore } from './core/registry-core.js';
import { FileStore } from './store/file-store.js';
import { FileTarballs } from './store/tarballs.js';

/**
 * A data folder opened by an operator command while no server runs (`registry import-htpasswd`):
 * the same store, lock and core as `registry serve`, with no HTTP. FileStore.open takes the lock,
 * so a folder a running server holds is refused with StoreError naming its pid; `close` compacts
 * and releases it. Notifications are left in the store for the server to deliver at its start.
 */
export interface OfflineRegistry {
  core: RegistryCore;
  close(): Promise<void>;
}

export async function openOffline(dataDir: string, opts: { now?: () => number } = {}): Promise<OfflineRegistry> {
  const dir = path.resolve(dataDir);
  const store = await FileStore.open(dir);
  const core = new RegistryCore({ store, now: opts.now, mailer: new FileMailer(path.join(dir, 'outbox')), tarballs: new FileTarballs(path.join(dir, 'tarballs')) });
  return { core, close: () => store.close() };
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { RegistryCore } from '../core/registry-core.js';
import type { MailQueue } from '../core/mail-queue.js';
import { FileStore } from '../store/file-store.js';

/**
 * `orgctl registry mail ls|retry --data DIR`: the outbox of a stopped registry's data folder. The
 * folder's lock refuses while a server runs on it (naming its pid). Nothing is delivered here: a
 * re-queued message goes out at the server's next start.
 */

/** No registry data in the folder: exit 2. */
export class NoDataError extends Error {}

export async function withOutbox<T>(dataDir: string, fn: (mail: MailQueue) => Promise<T> | T): Promise<T> {
  const dir = path.resolve(dataDir);
  if (!existsSync(path.join(dir, 'state.json')) && !existsSync(path.join(dir, 'journal.log'))) {
    throw new NoDataError(`${dataDir} holds no registry data (no state.json or journal.log)`);
  }
  const store = await FileStore.open(dir);
  const core = new RegistryCore({ store });
  try {
    await core.mail.stop(); // list and re-queue only; the server delivers
    return await fn(core.mail);
  } finally {
    await store.close();
  }
}

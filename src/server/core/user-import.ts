import { parseHtpasswd, type ImportedKind } from './htpasswd.js';
import type { TypedOp } from './schema.js';
import { hashPassword } from './secrets.js';
import type { CoreState } from './state.js';
import type { UserRec } from './types.js';

/** One line's outcome; `line` counts from 1 in the htpasswd file. */
export interface ImportReport {
  imported: { line: number; name: string; hash: ImportedKind | 'plain' }[];
  skipped: { line: number; name: string; reason: string }[];
  failed: { line: number; name: string | null; reason: string }[];
}

/**
 * `registry import-htpasswd`: accounts from a Verdaccio/Apache htpasswd file (htpasswd.ts says
 * which hashes). A name already taken by a user or an org is skipped; lines that cannot be
 * imported are reported with their number and the rest are imported, all in one transaction.
 * Imported accounts have no email and no 2FA; each gets an audit event `user.import`.
 */
export class UserImport {
  constructor(private readonly state: CoreState) {}

  async htpasswd(text: string): Promise<ImportReport> {
    const lines = parseHtpasswd(text);
    const report: ImportReport = { imported: [], skipped: [], failed: [] };
    // {PLAIN} passwords are hashed first, one at a time; the decisions below are made after that.
    const plain = new Map<number, string>();
    for (const l of lines) if ('password' in l && !this.taken(l.name)) plain.set(l.line, await hashPassword(l.password));
    const at = this.state.iso();
    const ops: TypedOp[] = [];
    for (const l of lines) {
      if ('error' in l) {
        report.failed.push({ line: l.line, name: l.name, reason: l.error });
        continue;
      }
      const taken = this.taken(l.name);
      if (taken) {
        report.skipped.push({ line: l.line, name: l.name, reason: taken });
        continue;
      }
      const password = 'stored' in l ? l.stored : plain.get(l.line);
      if (!password) {
        report.skipped.push({ line: l.line, name: l.name, reason: 'created while the import ran' });
        continue;
      }
      const rec: UserRec = { name: l.name, email: null, emailVerified: false, password, created: at, updated: at, tfa: null };
      ops.push({ c: 'users', k: l.name, v: rec }, this.state.auditOp(null, l.name, 'user.import', undefined, { from: 'htpasswd', hash: l.kind }));
      report.imported.push({ line: l.line, name: l.name, hash: l.kind });
    }
    if (ops.length > 0) await this.state.commit(ops);
    return report;
  }

  /** Why `name` cannot be imported (a user or org has it), or null. */
  private taken(name: string): string | null {
    if (this.state.user(name)) return 'a user with this name exists';
    if (this.state.org(name)) return 'an org has this name (user and org names share one namespace)';
    return null;
  }
}

import { createHash } from 'node:crypto';
import { nameProblem } from '../../shared/names.js';
import { safeEqual } from './secrets.js';

/**
 * htpasswd files (Verdaccio's htpasswd plugin, Apache) and the password hashes imported from them.
 *
 * Verdaccio 6.8 reads `name:hash[:comment]` lines and accepts bcrypt (`$2a$`/`$2b$`/`$2y$`),
 * `{SHA}` (base64 SHA-1), `$apr1$` (Apache MD5), `{PLAIN}` and, for anything else, traditional
 * crypt(3) DES. orgctl keeps the first three as they are, as `import$<kind>$<hash>`, verifies them
 * with `bcryptjs` and `apache-md5` (loaded only when such a hash is checked), and replaces them with
 * scrypt at the first successful login (auth.ts). `{PLAIN}` passwords are hashed with scrypt at
 * import. crypt(3) DES (8-character passwords, 12-bit salt) has no well-kept library: those lines
 * fail as "unsupported hash", and the user needs a new password (an operator's `users` command).
 */
export type ImportedKind = 'bcrypt' | 'sha1' | 'apr1';

export type HtpasswdLine =
  | { line: number; name: string; kind: ImportedKind; stored: string }
  | { line: number; name: string; kind: 'plain'; password: string }
  | { line: number; name: string | null; error: string };

const IMPORT_PREFIX = 'import$';
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const SHA1 = /^\{SHA\}[A-Za-z0-9+/]{27}=$/;
const APR1 = /^\$apr1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}$/;
const DES = /^[./0-9A-Za-z]{13}$/;

/** What kind of hash `hash` is, or why it cannot be imported. */
function classify(hash: string): { kind: ImportedKind } | { kind: 'plain' } | { error: string } {
  if (BCRYPT.test(hash)) return { kind: 'bcrypt' };
  if (SHA1.test(hash)) return { kind: 'sha1' };
  if (APR1.test(hash)) return { kind: 'apr1' };
  if (hash.startsWith('{PLAIN}')) return hash.length > 7 ? { kind: 'plain' } : { error: 'empty {PLAIN} password' };
  if (DES.test(hash)) return { error: 'unsupported hash (crypt(3) DES); set a new password for this user' };
  if (/^\$(1|5|6)\$/.test(hash)) return { error: `unsupported hash (crypt(3) $${hash[1]}$, which Verdaccio does not accept either)` };
  return { error: 'unsupported hash (not bcrypt, {SHA}, $apr1$ or {PLAIN})' };
}

/**
 * Every non-blank, non-comment line of an htpasswd text, numbered from 1: an importable user or
 * the reason it is not. Split as Verdaccio splits it (`name:hash[:comment]`, trimmed). A name
 * that appears again is taken from its last line (as Verdaccio does); earlier lines say so.
 */
export function parseHtpasswd(text: string): HtpasswdLine[] {
  const out: HtpasswdLine[] = [];
  const lastLine = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [name = '', hash = ''] = raw.split(':', 3).map((s) => s.trim());
    if (!raw.includes(':') || name === '' || hash === '') {
      out.push({ line, name: null, error: 'bad line: expected name:hash' });
      return;
    }
    const problem = nameProblem('user', name);
    if (problem) {
      out.push({ line, name: null, error: problem });
      return;
    }
    lastLine.set(name, line);
    const c = classify(hash);
    if ('error' in c) out.push({ line, name, error: c.error });
    else if (c.kind === 'plain') out.push({ line, name, kind: 'plain', password: hash.slice(7) });
    else out.push({ line, name, kind: c.kind, stored: `${IMPORT_PREFIX}${c.kind}$${hash}` });
  });
  return out.map((l) => (l.name !== null && lastLine.get(l.name) !== l.line ? { line: l.line, name: l.name, error: `duplicate: line ${lastLine.get(l.name)} is used for ${l.name}` } : l));
}

/** Whether a stored password hash was imported (and is replaced with scrypt at the next login). */
export function isImportedHash(stored: string | null | undefined): boolean {
  return typeof stored === 'string' && stored.startsWith(IMPORT_PREFIX);
}

/** Checks `password` against an imported hash, loading the hash's library only now. */
export async function verifyImported(password: string, stored: string): Promise<boolean> {
  const rest = stored.slice(IMPORT_PREFIX.length);
  const sep = rest.indexOf('$');
  const kind = rest.slice(0, sep);
  const hash = rest.slice(sep + 1);
  if (kind === 'bcrypt' && BCRYPT.test(hash)) {
    const { default: bcrypt } = await import('bcryptjs');
    return bcrypt.compare(password, hash);
  }
  if (kind === 'sha1' && SHA1.test(hash)) {
    return safeEqual(`{SHA}${createHash('sha1').update(password, 'utf8').digest('base64')}`, hash);
  }
  if (kind === 'apr1' && APR1.test(hash)) {
    // a CommonJS module whose typings say `export default`: at run time the default is the function
    const aprMd5 = (await import('apache-md5')).default as unknown as (password: string, salt: string) => string;
    return safeEqual(aprMd5(password, hash), hash);
  }
  return false;
}

/** Maps of sets and lists, with the entry created on first use (CoreState's indexes). */

/** The set at `m[k]`, created when missing. */
export function setOf<K, V>(m: Map<K, Set<V>>, k: K): Set<V> {
  let s = m.get(k);
  if (!s) {
    s = new Set();
    m.set(k, s);
  }
  return s;
}

/** The list at `m[k]`, created when missing. */
export function setList<K, V>(m: Map<K, V[]>, k: K): V[] {
  let l = m.get(k);
  if (!l) {
    l = [];
    m.set(k, l);
  }
  return l;
}

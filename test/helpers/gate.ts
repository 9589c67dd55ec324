/**
 * A gate for the registry's password checks (`passwords: { gate }`): holds the checks of chosen
 * accounts until the test releases them, so a test can force an interleaving (a request waiting
 * on its password check while others change the account) without any timing.
 *
 *   const g = passwordGate();
 *   g.hold('bob', 1);                  // hold bob's next check
 *   const slow = call(...);            // its check reaches the gate and waits
 *   await g.arrived('bob', 1);         // ...now it does
 *   ...                                // change bob's account meanwhile
 *   g.release('bob');                  // the held check goes on
 */
export interface PasswordGate {
  gate: (name: string) => Promise<void>;
  /** hold the next `count` checks of `name` (Infinity: all of them) */
  hold(name: string, count?: number): void;
  /** resolves once `count` checks of `name` wait at the gate */
  arrived(name: string, count: number): Promise<void>;
  /** lets every waiting check of `name` go on, and holds no more of its checks */
  release(name: string): void;
  /** how many checks of `name` wait now */
  waiting(name: string): number;
}

export function passwordGate(): PasswordGate {
  const toHold = new Map<string, number>();
  const held = new Map<string, (() => void)[]>();
  const watchers: { name: string; count: number; resolve: () => void }[] = [];
  const notify = () => {
    for (let i = watchers.length - 1; i >= 0; i--) {
      const w = watchers[i]!;
      if ((held.get(w.name)?.length ?? 0) >= w.count) {
        watchers.splice(i, 1);
        w.resolve();
      }
    }
  };
  return {
    gate(name) {
      const n = toHold.get(name) ?? 0;
      if (n <= 0) return Promise.resolve();
      toHold.set(name, n - 1);
      return new Promise<void>((resolve) => {
        const list = held.get(name) ?? [];
        list.push(resolve);
        held.set(name, list);
        notify();
      });
    },
    hold(name, count = Infinity) {
      toHold.set(name, count);
    },
    arrived(name, count) {
      return new Promise<void>((resolve) => {
        watchers.push({ name, count, resolve });
        notify();
      });
    },
    release(name) {
      toHold.delete(name);
      const list = held.get(name) ?? [];
      held.delete(name);
      for (const r of list) r();
    },
    waiting: (name) => held.get(name)?.length ?? 0,
  };
}

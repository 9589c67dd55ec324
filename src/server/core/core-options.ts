import type { SignupPolicy } from '../../shared/names.js';
import type { Store } from '../store/store.js';
import type { TarballStore } from '../store/tarballs.js';
import type { RetryOptions, Timers } from './mail-queue.js';
import type { Mailer } from './outbox.js';
import type { PasswordPoolOptions } from './password-pool.js';
import type { BackoffOptions } from './throttle.js';

/** What the core is built from; only `store` is required. */
export interface CoreOptions {
  store: Store;
  /** ms since the epoch; injected so tests control TOTP steps and expiry */
  now?: () => number;
  /** growing delays after wrong passwords and OTPs, per account and source (docs §4.5) */
  throttle?: BackoffOptions;
  /** bounded password hashing (concurrency, per-address budget; a gate for tests) */
  passwords?: PasswordPoolOptions;
  /** where notifications go; default: kept in memory */
  mailer?: Mailer;
  /** delivery retries (mail-queue.ts) */
  mailRetry?: RetryOptions;
  /** timers on the core's clock for delivery retries; default: real timers reading `now` */
  timers?: Timers;
  /** delivery failures, one line each */
  mailLog?: (line: string) => void;
  /** where package tarballs go; default: kept in memory */
  tarballs?: TarballStore;
  /** who may create an account by signing up; default `open` */
  signup?: SignupPolicy;
  /** the URL browsers reach the registry at: security keys' relying party (default: the listen URL, host `localhost`) */
  publicUrl?: string;
}

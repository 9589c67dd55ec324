import { FEATURES, type Discovery } from '../../shared/features.js';
import { VERSION } from '../../version.js';

/** `GET /-/orgctl/v1/`: which extensions this registry has (public: nothing here is secret). */
export function discovery(): Discovery {
  return { orgctl: VERSION, features: [...FEATURES] };
}

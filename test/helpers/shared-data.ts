import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared/data` beside the repository (read-only real data; see its README). */
export const SHARED_DATA = resolve(fileURLToPath(new URL('../../', import.meta.url)), '..', 'shared', 'data');
export const HAS_SHARED_DATA = existsSync(SHARED_DATA);

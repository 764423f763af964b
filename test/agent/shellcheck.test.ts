/**
 * The agent scripts are POSIX sh: shellcheck -s sh must find nothing, and
 * every shell we support must at least parse them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGENT, HAVE, INSTALL_SH, SHELLS, run } from './helpers.js';

describe('agent scripts', () => {
  it.skipIf(!HAVE.shellcheck)('are shellcheck -s sh clean (skipped when shellcheck is not installed)', async () => {
    const r = await run(['shellcheck', '-s', 'sh', AGENT, INSTALL_SH]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it.each(SHELLS)('parse under $name (sh -n)', async (shell) => {
    for (const script of [AGENT, INSTALL_SH]) {
      const r = await run([...shell.argv, '-n', script]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });

  it('keep exactly one server placeholder in install.sh', () => {
    expect(readFileSync(INSTALL_SH, 'utf8').split('@@MAMORI_SERVER@@')).toHaveLength(2);
  });
});

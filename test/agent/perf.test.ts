/**
 * `collect` on a 1,500-package host must take under 1 s and 20 MB peak RSS
 * (largest single process, as GNU time measures it). Best of 3 runs, so a
 * busy shared machine does not fail the check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GNU_TIME, buildApkRoot, buildDpkgRoot, buildRpmDb, measure } from './fixtures.js';
import type { Measurement } from './fixtures.js';
import { AGENT, HAVE, SHELLS, agentEnv, dataLines, parseDocument, removeTmpDirs, tmpDir } from './helpers.js';

const COUNT = 1500;
const fixtures: { name: string; args: string[]; format: string }[] = [];

beforeAll(() => {
  fixtures.push({ name: 'apk', args: ['--root', buildApkRoot(tmpDir(), COUNT)], format: 'apk-installed' });
  if (HAVE.dpkgQuery)
    fixtures.push({ name: 'dpkg', args: ['--root', buildDpkgRoot(tmpDir(), COUNT)], format: 'dpkg-query-v1' });
  if (HAVE.rpmbuild)
    fixtures.push({ name: 'rpm', args: ['--rpm-dbpath', buildRpmDb(tmpDir(), COUNT)], format: 'rpm-qf-v1' });
}, 90_000);

afterAll(removeTmpDirs);

function best(runs: Measurement[]): { wallMs: number; maxRssKb: number | undefined } {
  return {
    wallMs: Math.min(...runs.map((r) => r.wallMs)),
    maxRssKb: runs.some((r) => r.maxRssKb === undefined) ? undefined : Math.min(...runs.map((r) => r.maxRssKb ?? 0)),
  };
}

describe.each(SHELLS)('collect speed under $name', (shell) => {
  it(`inventories ${COUNT} packages in under 1 s and 20 MB`, () => {
    expect(fixtures.length).toBeGreaterThan(0);
    for (const f of fixtures) {
      const runs = [0, 1, 2].map(() => measure([...shell.argv, AGENT, 'collect', ...f.args], agentEnv()));
      for (const r of runs) expect(r.status).toBe(0);
      const doc = parseDocument(runs[0]!.stdout);
      const data = doc.packages.find((p) => p.format === f.format)?.data ?? '';
      const n =
        f.format === 'apk-installed'
          ? dataLines(data).filter((l) => l.startsWith('P:')).length
          : dataLines(data).length;
      expect(n, f.name).toBe(COUNT);
      const b = best(runs);
      expect(b.wallMs, `${f.name} wall ms`).toBeLessThan(1000);
      if (GNU_TIME) expect(b.maxRssKb, `${f.name} peak RSS KiB`).toBeLessThan(20 * 1024);
    }
  });
});

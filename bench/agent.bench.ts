/**
 * `npm run bench -- agent`: wall time and peak memory of `mamori-agent collect`
 * on this machine, and on 1,500-package rpm, dpkg and apk databases, under
 * each shell. Peak RSS is GNU time's %M (the largest single process of the
 * run, not the sum over the pipeline); install the `time` package for it.
 */
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GNU_TIME, buildApkRoot, buildDpkgRoot, buildRpmDb, measure } from '../test/agent/fixtures.js';
import { AGENT, HAVE, SHELLS, agentEnv } from '../test/agent/helpers.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const COUNT = 1500;

const work = mkdtempSync(join(tmpdir(), 'mamori-agent-bench-'));
const cases: { name: string; args: string[] }[] = [{ name: 'this machine', args: [] }];
try {
  const mk = (sub: string): string => mkdtempSync(join(work, `${sub}-`));
  cases.push({ name: `apk root, ${COUNT} pkgs`, args: ['--root', buildApkRoot(mk('apk'), COUNT)] });
  if (HAVE.dpkgQuery)
    cases.push({ name: `dpkg root, ${COUNT} pkgs`, args: ['--root', buildDpkgRoot(mk('dpkg'), COUNT)] });
  if (HAVE.rpmbuild)
    cases.push({ name: `rpm db, ${COUNT} pkgs`, args: ['--rpm-dbpath', buildRpmDb(mk('rpm'), COUNT)] });

  console.log(`mamori-agent collect, ${RUNS} runs each${GNU_TIME ? '' : ' (no /usr/bin/time: no memory figures)'}`);
  console.log(['shell', 'case', 'mean ms', 'min ms', 'max ms', 'peak RSS KiB', 'output KiB'].join('\t'));
  for (const shell of SHELLS) {
    for (const c of cases) {
      const argv = [...shell.argv, AGENT, 'collect', ...c.args];
      measure(argv, agentEnv()); // warm the page cache
      const runs = Array.from({ length: RUNS }, () => measure(argv, agentEnv()));
      const failed = runs.find((r) => r.status !== 0);
      if (failed) throw new Error(`${shell.name} ${c.name}: exit ${failed.status ?? 'signal'}`);
      const walls = runs.map((r) => r.wallMs);
      const mean = walls.reduce((a, b) => a + b, 0) / walls.length;
      const rss = runs.map((r) => r.maxRssKb ?? 0);
      console.log(
        [
          shell.name,
          c.name,
          mean.toFixed(1),
          Math.min(...walls).toFixed(1),
          Math.max(...walls).toFixed(1),
          GNU_TIME ? String(Math.max(...rss)) : '-',
          (Buffer.byteLength(runs[0]!.stdout) / 1024).toFixed(0),
        ].join('\t'),
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

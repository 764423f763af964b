import { spawn } from 'node:child_process';
import { PassThrough, Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { compareVersions } from '../../versioning/index.js';
import { registerVercmpCommand } from './vercmp.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mamori vercmp ...` in-process on a fresh Command with in-memory streams. */
async function run(args: string[], input = '', stdout: Writable = new PassThrough()): Promise<Run> {
  let out = '';
  let err = '';
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer | string) => (out += c.toString()));
  stderr.on('data', (c: Buffer | string) => (err += c.toString()));
  const program = new Command('mamori').exitOverride().configureOutput({
    writeOut: (s) => (out += s),
    writeErr: (s) => (err += s),
  });
  registerVercmpCommand(program, { stdin: Readable.from([input]), stdout, stderr });
  let code = 0;
  try {
    await program.parseAsync(['node', 'mamori', 'vercmp', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode === 0 ? 0 : 2;
  }
  await new Promise((r) => {
    setImmediate(r);
  });
  return { code, stdout: out, stderr: err };
}

describe('mamori vercmp (in-process)', () => {
  it('prints <, = or > and exits 0', async () => {
    expect(await run(['rpm', '2:8.0.1763-16.el7_9.2', '2:8.0.1763-19.el7_9'])).toEqual({ code: 0, stdout: '<\n', stderr: '' });
    expect(await run(['dpkg', '1.0', '1.0-0'])).toEqual({ code: 0, stdout: '=\n', stderr: '' });
    expect(await run(['apk', '1.0_p1-r1', '1.0-r1'])).toEqual({ code: 0, stdout: '>\n', stderr: '' });
    expect(await run(['rpm', '1.0~rc1', '1.0'])).toMatchObject({ stdout: '<\n' });
  });

  it('prints error: <message> on stderr and exits 2 for an invalid version or an unknown scheme', async () => {
    expect(await run(['dpkg', '1.0-', '1.0'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: invalid dpkg version "1.0-": revision number is empty\n',
    });
    expect(await run(['rpm', '', '1.0'])).toMatchObject({ code: 2, stderr: 'error: invalid rpm version "": version string is empty\n' });
    expect(await run(['apk', 'a', '1.0'])).toMatchObject({ code: 2, stdout: '' });
    expect(await run(['deb', '1', '2'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: unknown version scheme "deb" (expected rpm, dpkg or apk)\n',
    });
    expect(await run(['rpm', '1'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: expected two versions/) as unknown });
    expect(await run(['rpm', '1', '2', '--batch'])).toMatchObject({ code: 2 });
  });

  it('--batch prints one result per input line, errors in place, and exits 2 if any line failed', async () => {
    const input = ['1.0 1.1', '  1.0-1\t1.0  ', '1.0- 1', '', '1 2 3', '0:1 1', '2.0 1.0'].join('\n');
    const r = await run(['dpkg', '--batch'], `${input}\n`);
    expect(r.stdout.split('\n')).toEqual([
      '<',
      '>',
      'error: line 3: invalid dpkg version "1.0-": revision number is empty',
      'error: line 4: expected two versions separated by white space, got 0',
      'error: line 5: expected two versions separated by white space, got more',
      '=',
      '>',
      '',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: 3 of 7 lines could not be compared\n');
    expect(await run(['rpm', '--batch'], '1 2\r\n2 1\r\n')).toEqual({ code: 0, stdout: '<\n>\n', stderr: '' });
    expect(await run(['rpm', '--batch'], '')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('--batch streams through a slow reader (backpressure) without losing or reordering lines', async () => {
    const n = 50_000;
    const pairs = Array.from({ length: n }, (_, i) => [`1.${i}-1`, `1.${n - i}-1`] as const);
    let received = '';
    let writes = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        writes++;
        received += chunk.toString();
        setImmediate(cb);
      },
    });
    const r = await run(['rpm', '--batch'], pairs.map(([a, b]) => `${a} ${b}`).join('\n'), slow);
    expect(r.code).toBe(0);
    const lines = received.split('\n');
    expect(lines).toHaveLength(n + 1);
    pairs.forEach(([a, b], i) => {
      const want = compareVersions('rpm', a, b);
      expect(lines[i]).toBe(want < 0 ? '<' : want > 0 ? '>' : '=');
    });
    // Large chunks, not one write per line.
    expect(writes).toBeLessThan(20);
  });
});

describe('mamori vercmp (spawned)', () => {
  const entry = fileURLToPath(new URL('../bin.ts', import.meta.url));

  function spawnCli(args: string[], input: string): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', entry, 'vercmp', ...args], { stdio: 'pipe' });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        resolve({ code: code ?? -1, stdout, stderr });
      });
      child.stdin.end(input);
    });
  }

  it('exits 0 with the answer, or 2 with error: on stderr', async () => {
    expect(await spawnCli(['rpm', '1:1.0-1', '2.0-1'], '')).toEqual({ code: 0, stdout: '>\n', stderr: '' });
    expect(await spawnCli(['dpkg', 'a:1', '1'], '')).toEqual({ code: 2, stdout: '', stderr: 'error: invalid dpkg version "a:1": epoch in version is empty\n' });
    expect(await spawnCli(['zypper', '1', '2'], '')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown version scheme') as unknown });
  });

  it('--batch answers 200,000 pairs from a pipe, one line each, in order', async () => {
    const versions = ['2:8.0.1763-16.el7_9.2', '2:8.0.1763-19.el7_9', '1:1.0.2k-19.el7', '1.0.2k-21.el7_9', '5.1.8-6.el9_1'];
    const n = 200_000;
    let input = '';
    const want: string[] = [];
    for (let i = 0; i < n; i++) {
      const a = versions[i % versions.length]!;
      const b = versions[(i * 3 + 1) % versions.length]!;
      input += `${a} ${b}\n`;
      const c = compareVersions('rpm', a, b);
      want.push(c < 0 ? '<' : c > 0 ? '>' : '=');
    }
    const r = await spawnCli(['rpm', '--batch'], input);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${want.join('\n')}\n`);
  });

  it('--batch stops quietly when the reader goes away (| head)', async () => {
    const input = '1.0-1 1.0-2\n'.repeat(300_000);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', entry, 'vercmp', 'rpm', '--batch'], { stdio: 'pipe' });
      let stderr = '';
      child.stdout.once('data', () => child.stdout.destroy());
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdin.on('error', () => undefined);
      child.on('error', reject);
      child.on('close', (code) => {
        resolve({ code, stderr });
      });
      child.stdin.end(input);
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

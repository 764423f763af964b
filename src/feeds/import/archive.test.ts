/**
 * The archive reader on archives built here: ordinary zip, tar.gz, .gz and .bz2 files,
 * and hostile ones (zip slip, absolute paths, links, a 1 GiB entry of zeros, a gzip bomb,
 * too many entries, lying sizes).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync, constants as zc, gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { isAppError } from '../../errors.js';
import { readMembers, unsafeEntryName, type ArchiveLimits, type MemberItem } from './archive.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mamori-archive-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function all(path: string, limits?: Partial<ArchiveLimits>, entries?: ReadonlySet<string>): Promise<MemberItem[]> {
  const out: MemberItem[] = [];
  for await (const m of readMembers(path, { ...(limits === undefined ? {} : { limits }), ...(entries === undefined ? {} : { entries }) })) out.push(m);
  return out;
}

function summary(items: MemberItem[]): string[] {
  return items.map((m) => (m.kind === 'member' ? `${m.entry ?? m.name}=${m.data.toString('utf8')}` : `skip ${m.entry ?? m.name}: ${m.reason}`));
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isAppError(e)) throw new Error(`expected an AppError, got ${String(e)}`);
  return { code: e.code, message: e.message };
}

function yazlZip(build: (z: yazl.ZipFile) => void): Promise<Buffer> {
  const z = new yazl.ZipFile();
  build(z);
  z.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    z.outputStream.on('error', reject);
  });
}

/** A minimal zip writer (deflated entries), so entries can carry any name, mode and declared size. */
function rawZip(entries: { name: string; deflated: Buffer; crc: number; size: number; declaredSize?: number; mode?: number }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const size = e.declaredSize ?? e.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.deflated.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE((3 << 8) | 20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt16LE(0x21, 14);
    cd.writeUInt32LE(e.crc >>> 0, 16);
    cd.writeUInt32LE(e.deflated.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, e.deflated);
    central.push(cd, name);
    offset += local.length + name.length + e.deflated.length;
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, eocd]);
}

function smallEntry(name: string, text: string, mode?: number): Parameters<typeof rawZip>[0][number] {
  const data = Buffer.from(text);
  return { name, deflated: deflateRawSync(data), crc: crc32(data), size: data.length, ...(mode === undefined ? {} : { mode }) };
}

/** 1 GiB of zeros as raw deflate (~1 MiB): one fully flushed 1 MiB block repeated, then an empty final block. */
function gibOfZerosDeflated(): { deflated: Buffer; crc: number; size: number } {
  const mib = Buffer.alloc(1024 * 1024);
  const block = deflateRawSync(mib, { finishFlush: zc.Z_FULL_FLUSH, level: 9 });
  const parts: Buffer[] = [];
  let crc = 0;
  for (let i = 0; i < 1024; i++) {
    parts.push(block);
    crc = crc32(mib, crc);
  }
  parts.push(deflateRawSync(Buffer.alloc(0)));
  return { deflated: Buffer.concat(parts), crc, size: 1024 * 1024 * 1024 };
}

function tarOf(entries: { header: Parameters<tar.Pack['entry']>[0]; body?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    pack.on('error', reject);
  });
  for (const e of entries) pack.entry(e.header, e.body ?? '');
  pack.finalize();
  return done;
}

/** A ustar header for a regular file of `size` bytes (what a tar holding a 1 GiB entry starts with). */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

describe('readMembers: ordinary inputs', () => {
  it('reads a zip made by yazl (directories passed over) and can pick entries', async () => {
    const zip = await yazlZip((z) => {
      z.addEmptyDirectory('AlmaLinux/');
      z.addBuffer(Buffer.from('{"a":1}'), 'AlmaLinux/ALSA-1.json');
      z.addBuffer(Buffer.from('{"b":2}'), 'AlmaLinux/ALSA-2.json', { compress: false });
      z.addBuffer(Buffer.from('PK'), 'nested/inner.zip');
    });
    const path = join(dir, 'all.zip');
    await writeFile(path, zip);
    expect(summary(await all(path))).toEqual([
      'AlmaLinux/ALSA-1.json={"a":1}',
      'AlmaLinux/ALSA-2.json={"b":2}',
      'skip nested/inner.zip: archive inside an archive (not opened)',
    ]);
    expect(summary(await all(path, undefined, new Set(['AlmaLinux/ALSA-2.json'])))).toEqual(['AlmaLinux/ALSA-2.json={"b":2}']);
  });

  it('reads a .tar.gz, a lone .gz and a plain file, by content rather than by name', async () => {
    const tgz = gzipSync(await tarOf([{ header: { name: './dir', type: 'directory' } }, { header: { name: './dir/x.json' }, body: 'X' }, { header: { name: 'y.txt' }, body: 'Y' }]));
    await writeFile(join(dir, 'feed.tgz'), tgz);
    expect(summary(await all(join(dir, 'feed.tgz')))).toEqual(['dir/x.json=X', 'y.txt=Y']);
    await writeFile(join(dir, 'epss.csv.gz'), gzipSync('cve,epss,percentile\n'));
    expect(summary(await all(join(dir, 'epss.csv.gz')))).toEqual(['epss.csv=cve,epss,percentile\n']);
    // A gzip file named .json is still decompressed; a .gz that is not gzip is read as is.
    await writeFile(join(dir, 'really-gzip.json'), gzipSync('{}'));
    expect(summary(await all(join(dir, 'really-gzip.json')))).toEqual(['really-gzip.json={}']);
    await writeFile(join(dir, 'plain.gz'), 'not compressed');
    expect(summary(await all(join(dir, 'plain.gz')))).toEqual([`${join(dir, 'plain.gz')}=not compressed`]);
  });

  it.skipIf(!hasBzip2())('reads a .bz2 file and a .tar.bz2', async () => {
    await writeFile(join(dir, 'oval.xml'), '<oval_definitions/>');
    execFileSync('bzip2', ['-k', '-f', join(dir, 'oval.xml')]);
    expect(summary(await all(join(dir, 'oval.xml.bz2')))).toEqual(['oval.xml=<oval_definitions/>']);
    await writeFile(join(dir, 'b.tar'), await tarOf([{ header: { name: 'a.json' }, body: '[]' }]));
    execFileSync('bzip2', ['-f', join(dir, 'b.tar')]);
    expect(summary(await all(join(dir, 'b.tar.bz2')))).toEqual(['a.json=[]']);
  });

  it('walks directories in name order, reading archives inside them, skipping symlinked directories', async () => {
    const root = join(dir, 'walk');
    await mkdir(join(root, 'b'), { recursive: true });
    await writeFile(join(root, 'b', '2.json'), '2');
    await writeFile(join(root, 'a.json'), 'a');
    await writeFile(join(root, 'c.json.gz'), gzipSync('c'));
    await symlink(join(root, 'b'), join(root, 'link-to-b'));
    await symlink(join(root, 'a.json'), join(root, 'link-to-a.json'));
    expect(summary(await all(root)).map((s) => s.replace(`${root}/`, ''))).toEqual([
      'a.json=a',
      'b/2.json=2',
      'c.json=c',
      'link-to-a.json=a',
      'skip link-to-b: symbolic link to a directory (not followed)',
    ]);
  });

  it('says what is missing', async () => {
    expect(await refusal(all(join(dir, 'nope.zip')))).toMatchObject({ code: 'ERR_NOT_FOUND' });
  });
});

describe('readMembers: hostile archives are refused (ERR_ARCHIVE_UNSAFE)', () => {
  it('names entry paths that climb out or are absolute', () => {
    expect(unsafeEntryName('a/../../etc/passwd')).toMatch(/climbs out/);
    expect(unsafeEntryName('/etc/passwd')).toMatch(/absolute/);
    expect(unsafeEntryName('C:evil')).toMatch(/absolute/);
    expect(unsafeEntryName('a\\..\\b')).toMatch(/backslash/);
    expect(unsafeEntryName('ok/fine.json')).toBeNull();
  });

  it('refuses a zip slip entry and an absolute entry', async () => {
    await writeFile(join(dir, 'slip.zip'), rawZip([smallEntry('ok.json', '{}'), smallEntry('../../evil.json', '{}')]));
    expect(await refusal(all(join(dir, 'slip.zip')))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/invalid relative path: \.\.\/\.\.\/evil\.json/) as unknown });
    await writeFile(join(dir, 'abs.zip'), rawZip([smallEntry('/etc/cron.d/evil', '* * * * * root sh')]));
    expect(await refusal(all(join(dir, 'abs.zip')))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/absolute path/) as unknown });
    const tgz = gzipSync(await tarOf([{ header: { name: '../evil.json' }, body: '{}' }]));
    await writeFile(join(dir, 'slip.tgz'), tgz);
    expect(await refusal(all(join(dir, 'slip.tgz')))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/unsafe entry "\.\.\/evil\.json": path climbs out/) as unknown });
  });

  it('refuses symlink and hardlink entries', async () => {
    await writeFile(join(dir, 'link.zip'), rawZip([smallEntry('passwd', '/etc/passwd', 0o120777)]));
    expect(await refusal(all(join(dir, 'link.zip')))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/"passwd" is a symbolic link/) as unknown });
    const yz = await yazlZip((z) => {
      z.addBuffer(Buffer.from('/etc/shadow'), 'shadow', { mode: 0o120777 });
    });
    await writeFile(join(dir, 'link-yazl.zip'), yz);
    expect(await refusal(all(join(dir, 'link-yazl.zip')))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE' });
    await writeFile(join(dir, 'sym.tar'), await tarOf([{ header: { name: 'feed.json', type: 'symlink', linkname: '/etc/passwd' } }]));
    expect(await refusal(all(join(dir, 'sym.tar')))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/symbolic link/) as unknown });
    await writeFile(join(dir, 'hard.tgz'), gzipSync(await tarOf([{ header: { name: 'feed.json', type: 'link', linkname: 'other' } }])));
    expect(await refusal(all(join(dir, 'hard.tgz')))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/hard link/) as unknown });
  });

  it('refuses a 1 GiB entry of zeros from its declared size, and one that lies about its size while inflating', async () => {
    const bomb = gibOfZerosDeflated();
    expect(bomb.deflated.length).toBeLessThan(2 * 1024 * 1024);
    await writeFile(join(dir, 'bomb.zip'), rawZip([{ name: 'zeros.json', ...bomb }]));
    const t0 = Date.now();
    expect(await refusal(all(join(dir, 'bomb.zip')))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/declares 1073741824 bytes/) as unknown });
    // Declared as 1 KiB: inflating stops as soon as it passes the declared size.
    await writeFile(join(dir, 'liar.zip'), rawZip([{ name: 'zeros.json', ...bomb, declaredSize: 1024 }]));
    expect(await refusal(all(join(dir, 'liar.zip')))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/inflates to more than it declares/) as unknown });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('refuses a tar whose header declares 1 GiB, from the header (a few KB of .tar.gz)', async () => {
    const tgz = gzipSync(Buffer.concat([tarHeader('zeros.json', 1024 ** 3), Buffer.alloc(64 * 1024)]));
    expect(tgz.length).toBeLessThan(4096);
    await writeFile(join(dir, 'bomb.tgz'), tgz);
    expect(await refusal(all(join(dir, 'bomb.tgz')))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/declares 1073741824 bytes/) as unknown });
  });

  it('refuses a gzip bomb (1 GiB of zeros in ~1 MiB) while inflating, long before the end', async () => {
    const member = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    await writeFile(join(dir, 'zeros.json.gz'), Buffer.concat(Array.from({ length: 1024 }, () => member)));
    const t0 = Date.now();
    expect(await refusal(all(join(dir, 'zeros.json.gz')))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/inflates more than 200-fold/) as unknown });
    expect(Date.now() - t0).toBeLessThan(5000);
    // With a smaller size cap the size check trips (the ratio check needs 16 MiB out).
    expect(await refusal(all(join(dir, 'zeros.json.gz'), { maxEntryBytes: 1024 * 1024, maxRatio: 1e9 }))).toMatchObject({
      code: 'ERR_ARCHIVE_UNSAFE',
      message: expect.stringMatching(/more than the 1048576 bytes allowed/) as unknown,
    });
  });

  it('refuses archives with too many entries or too many bytes in all', async () => {
    const zip = await yazlZip((z) => {
      for (let i = 0; i < 5; i++) z.addBuffer(Buffer.from(`${i}`.repeat(100)), `${i}.json`);
    });
    await writeFile(join(dir, 'many.zip'), zip);
    expect(await refusal(all(join(dir, 'many.zip'), { maxEntries: 3 }))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/5 entries/) as unknown });
    expect(await refusal(all(join(dir, 'many.zip'), { maxTotalBytes: 250 }))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE', message: expect.stringMatching(/in all/) as unknown });
    const tgz = gzipSync(await tarOf(Array.from({ length: 5 }, (_, i) => ({ header: { name: `${i}.json` }, body: 'x' }))));
    await writeFile(join(dir, 'many.tgz'), tgz);
    expect(await refusal(all(join(dir, 'many.tgz'), { maxEntries: 3 }))).toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE' });
  });

  it('reports a truncated archive as an invalid feed file (ERR_FEED_INVALID)', async () => {
    const tgz = gzipSync(await tarOf([{ header: { name: 'a.json' }, body: 'x'.repeat(100_000) }]));
    await writeFile(join(dir, 'cut.tgz'), tgz.subarray(0, Math.floor(tgz.length / 2)));
    expect(await refusal(all(join(dir, 'cut.tgz')))).toMatchObject({ code: 'ERR_FEED_INVALID' });
    const zip = await yazlZip((z) => {
      z.addBuffer(Buffer.from('x'.repeat(10_000)), 'a.json');
    });
    await writeFile(join(dir, 'cut.zip'), zip.subarray(0, zip.length - 30));
    expect(await refusal(all(join(dir, 'cut.zip')))).toMatchObject({ code: 'ERR_FEED_INVALID' });
  });
});

function hasBzip2(): boolean {
  try {
    execFileSync('bzip2', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

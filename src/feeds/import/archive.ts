/**
 * Reads feed files, directories and untrusted archives as a stream of members (name and
 * bytes), one at a time, so an import of thousands of files keeps memory bounded.
 *
 * Formats are recognized by their magic bytes, not their names: zip (`PK\3\4`), gzip
 * (`1f 8b`), bzip2 (`BZh`), tar (`ustar` at offset 257). A gzip or bzip2 stream that
 * holds a tar is read as a tar (`.tar.gz`, `.tgz`, `.tar.bz2`); otherwise it is one
 * member (`x.json.gz` → `x.json`). Archives inside archives are not opened (skipped).
 *
 * Archives are untrusted (downloads, files handed to `mamori feeds import`):
 * - entries whose name is absolute or climbs out (`/etc/x`, `../x`, `C:x`, `a\b`), and
 *   symlink, hardlink or device entries, refuse the whole archive;
 * - an entry larger than `maxEntryBytes` (512 MiB: also V8's longest string, so no parser
 *   could take more), more than `maxTotalBytes` in all, more than `maxEntries` entries,
 *   or a decompression ratio above `maxRatio` once past 16 MiB (a bomb), refuse it too,
 *   checked from declared sizes before inflating where the format has them (zip, tar)
 *   and while inflating always.
 * All of these are `ERR_ARCHIVE_UNSAFE`; a corrupt or truncated archive is
 * `ERR_FEED_INVALID`. Nothing is ever written to disk.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import * as yauzl from 'yauzl';
import { AppError, isAppError } from '../../errors.js';

export interface ArchiveLimits {
  /** Largest member, uncompressed. */
  maxEntryBytes: number;
  /** All members of one archive together, uncompressed. */
  maxTotalBytes: number;
  /** Members (entries) of one archive. */
  maxEntries: number;
  /** Uncompressed / compressed bytes, checked once more than 16 MiB came out. */
  maxRatio: number;
  /** With `readMembersOrStreams`: files (plain, or a lone .gz/.bz2) above this are streamed, not read whole. */
  streamAboveBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxEntryBytes: 512 * MiB,
  maxTotalBytes: 8 * 1024 * MiB,
  maxEntries: 1_000_000,
  maxRatio: 200,
  streamAboveBytes: 128 * MiB,
};

const RATIO_FLOOR = 16 * MiB;

export interface Member {
  kind: 'member';
  /** For messages: the file path, or `archive!entry`. */
  name: string;
  /** The file given, or the archive the member came from. */
  path: string;
  /** The entry's name inside the archive (for `.gz`/`.bz2`: the file name without the suffix); null for a plain file. */
  entry: string | null;
  data: Buffer;
}

/**
 * A file (plain, or a lone `.gz`/`.bz2`) larger than `streamAboveBytes`, from
 * `readMembersOrStreams`: read through `open()` (a streaming parser can take a document
 * bigger than a string can hold), or into memory with `streamBytes` (up to maxEntryBytes).
 */
export interface StreamedMember {
  kind: 'stream';
  name: string;
  path: string;
  entry: string | null;
  /** Its first HEAD_BYTES bytes (format detection). */
  head: Buffer;
  /** Its bytes (decompressed, under the same limits); may be called more than once. */
  open(): Readable;
}

/** Bytes of a member kept for format detection. */
export const HEAD_BYTES = 64 * 1024;


/** A streamed member's bytes in memory (up to `max`). */
export function streamBytes(m: StreamedMember, max: number = DEFAULT_ARCHIVE_LIMITS.maxEntryBytes): Promise<Buffer> {
  return collect(m.open(), max, m.name);
}

export interface Skipped {
  kind: 'skip';
  name: string;
  path: string;
  entry: string | null;
  reason: string;
}

export type MemberItem = Member | Skipped;

export interface ReadOptions {
  limits?: Partial<ArchiveLimits>;
  /** Read only these entries of an archive (by entry name); everything else is passed over silently. */
  entries?: ReadonlySet<string>;
}

type Kind = 'zip' | 'gzip' | 'bzip2' | 'tar' | 'plain';

function unsafe(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('ERR_ARCHIVE_UNSAFE', message, details === undefined ? {} : { details });
}

function corrupt(path: string, e: unknown): AppError {
  if (isAppError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new AppError('ERR_FEED_INVALID', `failed to read ${path}: ${msg}`, { cause: e });
}

function sniffKind(head: Buffer): Kind {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6)) return 'zip';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  if (isTarHeader(head)) return 'tar';
  return 'plain';
}

function isTarHeader(head: Buffer): boolean {
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

/** Why an entry name is unsafe, or null. */
export function unsafeEntryName(name: string): string | null {
  if (name === '') return 'empty name';
  if (name.includes('\\')) return 'backslash in name';
  if (name.includes('\0')) return 'NUL in name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.split('/').includes('..')) return 'path climbs out of the archive (..)';
  return null;
}

function checkName(archive: string, name: string): string {
  const why = unsafeEntryName(name);
  if (why !== null) throw unsafe(`${archive}: unsafe entry "${name}": ${why}`, { archive, entry: name });
  return name.replace(/^(\.\/)+/, '');
}

const ARCHIVE_SUFFIX = /\.(zip|tar|tgz|tar\.gz|tar\.bz2|tbz2|gz|bz2)$/i;

/**
 * Yields the members of `path`: a file, a directory (recursively, in name order; symlinked
 * directories are skipped), a zip, a tar (optionally gzip/bzip2 compressed), or a single
 * gzip/bzip2-compressed file.
 */
export function readMembers(path: string, opts: ReadOptions = {}): AsyncGenerator<MemberItem> {
  return read(path, opts, false) as AsyncGenerator<MemberItem>;
}

/** Like `readMembers`, but files larger than `streamAboveBytes` come as a `StreamedMember`. */
export function readMembersOrStreams(path: string, opts: ReadOptions = {}): AsyncGenerator<MemberItem | StreamedMember> {
  return read(path, opts, true);
}

/** Files up to this size found in a directory are read synchronously, in one go (an OSV dump has 100,000s of small files). */
const SMALL_FILE = 1024 * 1024;

/** A small regular file's bytes (open, fstat, read, close without the thread pool), or null when it is larger. */
function readSmallFile(path: string): Buffer | null {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > SMALL_FILE) return null;
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

async function* read(path: string, opts: ReadOptions, streams: boolean, regularFile = false): AsyncGenerator<MemberItem | StreamedMember> {
  const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS, ...opts.limits };
  if (regularFile) {
    const data = readSmallFile(path);
    if (data !== null && sniffKind(data.subarray(0, 512)) === 'plain') {
      yield { kind: 'member', name: path, path, entry: null, data };
      return;
    }
  }
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new AppError('ERR_NOT_FOUND', `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (st.isDirectory()) {
    yield* readDirectory(path, opts, streams);
    return;
  }
  if (!st.isFile()) {
    yield { kind: 'skip', name: path, path, entry: null, reason: 'not a regular file' };
    return;
  }
  const kind = await sniffFile(path);
  switch (kind) {
    case 'zip':
      yield* readZip(path, limits, opts.entries);
      return;
    case 'tar':
      yield* readTar(path, createReadStream(path), limits, opts.entries);
      return;
    case 'gzip':
    case 'bzip2':
      yield* readCompressed(path, kind, limits, opts.entries, streams);
      return;
    case 'plain': {
      const max = streams ? limits.maxTotalBytes : limits.maxEntryBytes;
      if (st.size > max) throw new AppError('ERR_FEED_INVALID', `${path} is ${st.size} bytes, more than a feed file may have (${max})`);
      if (!streams || st.size <= limits.streamAboveBytes) {
        yield { kind: 'member', name: path, path, entry: null, data: await readFile(path) };
        return;
      }
      const head = await readHeadOfFile(path);
      yield { kind: 'stream', name: path, path, entry: null, head, open: () => createReadStream(path) };
      return;
    }
  }
}

async function readHeadOfFile(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(head, 0, HEAD_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function sniffFile(path: string): Promise<Kind> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    return sniffKind(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

async function* readDirectory(dir: string, opts: ReadOptions, streams: boolean): AsyncGenerator<MemberItem | StreamedMember> {
  // An entry filter names archive entries; files found in a directory are read whole.
  const { entries: _only, ...fileOpts } = opts;
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      yield* readDirectory(p, fileOpts, streams);
    } else if (e.isFile()) {
      yield* read(p, fileOpts, streams, true);
    } else if (e.isSymbolicLink()) {
      let target;
      try {
        target = await stat(p);
      } catch {
        yield { kind: 'skip', name: p, path: p, entry: null, reason: 'dangling symbolic link' };
        continue;
      }
      if (target.isFile()) yield* read(p, fileOpts, streams);
      else yield { kind: 'skip', name: p, path: p, entry: null, reason: 'symbolic link to a directory (not followed)' };
    } else {
      yield { kind: 'skip', name: p, path: p, entry: null, reason: 'not a regular file' };
    }
  }
}

// --- zip ------------------------------------------------------------------------------

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true }, (err, zip) => {
      if (err !== null) reject(zipError(path, err));
      else resolve(zip);
    });
  });
}

function zipError(path: string, err: Error): AppError {
  if (/^(invalid relative path|absolute path|invalid characters in fileName)/.test(err.message)) {
    return unsafe(`${path}: unsafe entry: ${err.message}`, { archive: path });
  }
  if (/too many bytes in the stream|uncompressedSize/.test(err.message)) {
    return unsafe(`${path}: an entry inflates to more than it declares: ${err.message}`, { archive: path });
  }
  return corrupt(path, err);
}

function nextEntry(zip: yauzl.ZipFile, path: string): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: yauzl.Entry): void => {
      cleanup();
      resolve(entry);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(zipError(path, err));
    };
    const cleanup = (): void => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

function openEntryStream(zip: yauzl.ZipFile, entry: yauzl.Entry, path: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err !== null) reject(zipError(path, err));
      else resolve(stream);
    });
  });
}

async function* readZip(path: string, limits: ArchiveLimits, only: ReadonlySet<string> | undefined): AsyncGenerator<MemberItem> {
  const zip = await openZip(path);
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw unsafe(`${path}: ${zip.entryCount} entries, more than the ${limits.maxEntries} allowed`, { archive: path });
    }
    let total = 0;
    for (;;) {
      const entry = await nextEntry(zip, path);
      if (entry === null) break;
      const name = checkName(path, entry.fileName);
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      const madeOnUnix = entry.versionMadeBy >> 8 === 3;
      if (madeOnUnix && mode === S_IFLNK) throw unsafe(`${path}: entry "${name}" is a symbolic link`, { archive: path, entry: name });
      if (name.endsWith('/') || (madeOnUnix && mode === S_IFDIR)) continue;
      if (madeOnUnix && mode !== 0 && mode !== S_IFREG) throw unsafe(`${path}: entry "${name}" is not a regular file`, { archive: path, entry: name });
      const size = entry.uncompressedSize;
      if (size > limits.maxEntryBytes) {
        throw unsafe(`${path}: entry "${name}" declares ${size} bytes, more than the ${limits.maxEntryBytes} allowed`, { archive: path, entry: name });
      }
      total += size;
      if (total > limits.maxTotalBytes) {
        throw unsafe(`${path}: entries declare more than the ${limits.maxTotalBytes} bytes allowed in all`, { archive: path });
      }
      if (size > RATIO_FLOOR && size > limits.maxRatio * Math.max(1, entry.compressedSize)) {
        throw unsafe(`${path}: entry "${name}" would inflate ${Math.round(size / Math.max(1, entry.compressedSize))}-fold (a decompression bomb?)`, { archive: path, entry: name });
      }
      if (only !== undefined && !only.has(name)) continue;
      const display = `${path}!${name}`;
      if (ARCHIVE_SUFFIX.test(name)) {
        yield { kind: 'skip', name: display, path, entry: name, reason: 'archive inside an archive (not opened)' };
        continue;
      }
      const stream = await openEntryStream(zip, entry, path);
      const data = await collect(stream, limits.maxEntryBytes, display).catch((e: unknown) => {
        throw e instanceof Error && !isAppError(e) ? zipError(path, e) : e;
      });
      yield { kind: 'member', name: display, path, entry: name, data };
    }
  } finally {
    zip.close();
  }
}

async function collect(stream: Readable, max: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) {
      stream.destroy();
      throw unsafe(`${name}: more than the ${max} bytes allowed for one entry`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks, n);
}

// --- gzip / bzip2 ---------------------------------------------------------------------

type Through = NodeJS.ReadWriteStream;
const require = createRequire(import.meta.url);
const unbzip2 = require('unbzip2-stream') as () => Through;

/** Counts bytes through it; `check` may throw to abort the pipeline. */
class Meter extends Transform {
  bytes = 0;
  constructor(private readonly check: (bytes: number) => void = () => undefined) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    try {
      this.check(this.bytes);
    } catch (e) {
      cb(e as Error);
      return;
    }
    cb(null, chunk);
  }
}

/** Decompresses `path`, failing fast on bombs; the output stream errors with an AppError. */
function decompress(path: string, kind: 'gzip' | 'bzip2', limits: ArchiveLimits, maxOut: number): Readable {
  const input = createReadStream(path);
  const inMeter = new Meter();
  const outMeter = new Meter((out) => {
    if (out > maxOut) throw unsafe(`${path}: decompresses to more than the ${maxOut} bytes allowed`, { archive: path });
    if (out > RATIO_FLOOR && out > limits.maxRatio * Math.max(1, inMeter.bytes)) {
      throw unsafe(`${path}: inflates more than ${limits.maxRatio}-fold (a decompression bomb?)`, { archive: path });
    }
  });
  const inflater: Through = kind === 'gzip' ? createGunzip() : unbzip2();
  const out = new PassThrough();
  const fail = (e: unknown): void => {
    const err = isAppError(e) ? e : corrupt(path, e);
    input.destroy();
    out.destroy(err);
  };
  input.on('error', fail);
  inMeter.on('error', fail);
  inflater.on('error', fail);
  outMeter.on('error', fail);
  input.pipe(inMeter).pipe(inflater);
  inflater.pipe(outMeter).pipe(out);
  out.on('close', () => {
    input.destroy();
  });
  return out;
}

async function* readCompressed(
  path: string,
  kind: 'gzip' | 'bzip2',
  limits: ArchiveLimits,
  only: ReadonlySet<string> | undefined,
  streams: boolean,
): AsyncGenerator<MemberItem | StreamedMember> {
  // Peek at the first 512 decompressed bytes: a tar inside, or a single file?
  const peekStream = decompress(path, kind, limits, limits.maxTotalBytes);
  let head: Buffer;
  try {
    head = await readHead(peekStream, 512, path);
  } finally {
    peekStream.destroy();
  }
  if (isTarHeader(head)) {
    yield* readTar(path, decompress(path, kind, limits, limits.maxTotalBytes), limits, only);
    return;
  }
  const entry = basename(path).replace(/\.(gz|bz2|tgz|tbz2)$/i, '') || 'data';
  if (only !== undefined && !only.has(entry)) return;
  const name = `${path}!${entry}`;
  if (ARCHIVE_SUFFIX.test(entry) && sniffKind(head) !== 'plain') {
    yield { kind: 'skip', name, path, entry, reason: 'archive inside an archive (not opened)' };
    return;
  }
  if (!streams) {
    const data = await collect(decompress(path, kind, limits, limits.maxEntryBytes), limits.maxEntryBytes, name).catch((e: unknown) => {
      throw corrupt(path, e);
    });
    yield { kind: 'member', name, path, entry, data };
    return;
  }
  // Small enough: in memory. Larger (a whole OVAL stream): decompressed again on demand.
  const stream = decompress(path, kind, limits, limits.maxTotalBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  let whole = true;
  try {
    for await (const c of stream as AsyncIterable<Buffer>) {
      size += c.length;
      chunks.push(c);
      if (size > limits.streamAboveBytes) {
        whole = false;
        break;
      }
    }
  } catch (e) {
    throw corrupt(path, e);
  } finally {
    stream.destroy();
  }
  const data = Buffer.concat(chunks, size);
  if (whole) {
    yield { kind: 'member', name, path, entry, data };
    return;
  }
  yield { kind: 'stream', name, path, entry, head: data.subarray(0, HEAD_BYTES), open: () => decompress(path, kind, limits, limits.maxTotalBytes) };
}

async function readHead(stream: Readable, n: number, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  try {
    for await (const c of stream as AsyncIterable<Buffer>) {
      chunks.push(c);
      got += c.length;
      if (got >= n) break;
    }
  } catch (e) {
    throw corrupt(path, e);
  }
  return Buffer.concat(chunks).subarray(0, n);
}

// --- tar ------------------------------------------------------------------------------

async function* readTar(path: string, input: Readable, limits: ArchiveLimits, only: ReadonlySet<string> | undefined): AsyncGenerator<MemberItem> {
  const extract = tar.extract();
  let inputError: unknown = null;
  input.on('error', (e: unknown) => {
    inputError = e;
    extract.destroy(e instanceof Error ? e : new Error(String(e)));
  });
  input.pipe(extract);
  let count = 0;
  let total = 0;
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const type = h.type;
      if (type === 'directory') {
        await drain(entry);
        continue;
      }
      const name = checkName(path, h.name);
      if (type === 'symlink' || type === 'link') {
        throw unsafe(`${path}: entry "${name}" is a ${type === 'link' ? 'hard link' : 'symbolic link'}`, { archive: path, entry: name });
      }
      if (type !== 'file' && type !== 'contiguous-file') {
        throw unsafe(`${path}: entry "${name}" is a ${type}, not a regular file`, { archive: path, entry: name });
      }
      count++;
      if (count > limits.maxEntries) throw unsafe(`${path}: more than the ${limits.maxEntries} entries allowed`, { archive: path });
      const size = h.size;
      if (size > limits.maxEntryBytes) {
        throw unsafe(`${path}: entry "${name}" declares ${size} bytes, more than the ${limits.maxEntryBytes} allowed`, { archive: path, entry: name });
      }
      total += size;
      if (total > limits.maxTotalBytes) throw unsafe(`${path}: entries declare more than the ${limits.maxTotalBytes} bytes allowed in all`, { archive: path });
      const display = `${path}!${name}`;
      if (only !== undefined && !only.has(name)) {
        await drain(entry);
        continue;
      }
      if (ARCHIVE_SUFFIX.test(name)) {
        await drain(entry);
        yield { kind: 'skip', name: display, path, entry: name, reason: 'archive inside an archive (not opened)' };
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
      yield { kind: 'member', name: display, path, entry: name, data: Buffer.concat(chunks) };
    }
  } catch (e) {
    throw corrupt(path, inputError ?? e);
  } finally {
    input.destroy();
    extract.destroy();
  }
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    /* discard */
  }
}

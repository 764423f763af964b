/**
 * Feed bundles: the normalized knowledge base (advisories, affected rows, enrichments
 * and each source's sync state) as one `.tar.gz`, to carry to servers without network.
 *
 * Layout: `manifest.json` first (format, version, creation time, per source its counts,
 * state and members; per member its sha256, size, record count and kind), then JSONL
 * members `sources/<nn>-<slug>/{advisories,affected,enrichments}-<nnnn>.jsonl`, at most
 * MEMBER_RECORDS records each (well below the archive reader's per-entry cap).
 *
 * Import verifies everything first: the manifest's shape and version, that the members
 * are exactly those listed, every member's sha256 and size, and every record's shape;
 * only then does it load each source in its own transaction with the same replace and
 * key-change semantics as importing feed files (`FeedImportService.runImport`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import type { Clock } from '../../clock.js';
import type { FeedsRepository } from '../../db/repositories/feeds.repository.js';
import { AppError, isAppError } from '../../errors.js';
import { readMembers, type ArchiveLimits } from '../import/archive.js';
import type { FeedImportService, SourceImportResult } from '../import/feed-import.service.js';
import { sourceKindOf } from '../import/formats.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, lines, manifestError, parseRecord, type Manifest, type ManifestSource, type MemberKind } from './records.js';

/** Records per JSONL member. */
export const MEMBER_RECORDS = 50_000;
const PAGE = 5000;

export interface BundleRepos {
  feeds: FeedsRepository;
  transaction<T>(fn: (repos: { feeds: FeedsRepository }) => Promise<T>): Promise<T>;
}

export interface ExportResult {
  path: string;
  bytes: number;
  sha256: string;
  sources: { sourceId: string; advisories: number; affected: number; enrichments: number }[];
}

export interface BundleImportResult {
  createdAt: string;
  sources: SourceImportResult[];
}

function invalid(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('ERR_BUNDLE_INVALID', message, details === undefined ? {} : { details });
}

function slug(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'source';
}

/** Writes JSONL members of one kind, rotating every MEMBER_RECORDS records, hashing as it goes. */
class MemberWriter {
  private out: WriteStream | null = null;
  private hash = createHash('sha256');
  private bytes = 0;
  private records = 0;
  private seq = 0;
  private name = '';
  readonly done: { name: string; file: string; sha256: string; bytes: number; records: number; kind: MemberKind }[] = [];

  constructor(
    private readonly tmp: string,
    private readonly prefix: string,
    private readonly kind: MemberKind,
  ) {}

  async write(record: unknown): Promise<void> {
    if (this.out === null) {
      this.seq++;
      this.name = `${this.prefix}/${this.kind}-${String(this.seq).padStart(4, '0')}.jsonl`;
      this.out = createWriteStream(join(this.tmp, this.name.replaceAll('/', '__')));
    }
    const buf = Buffer.from(`${JSON.stringify(record)}\n`);
    this.hash.update(buf);
    this.bytes += buf.length;
    this.records++;
    if (!this.out.write(buf)) await once(this.out, 'drain');
    if (this.records >= MEMBER_RECORDS) await this.close();
  }

  async close(): Promise<void> {
    const out = this.out;
    if (out === null) return;
    this.out = null;
    out.end();
    await once(out, 'close');
    this.done.push({ name: this.name, file: out.path as string, sha256: this.hash.digest('hex'), bytes: this.bytes, records: this.records, kind: this.kind });
    this.hash = createHash('sha256');
    this.bytes = 0;
    this.records = 0;
  }
}

async function addEntry(pack: tar.Pack, name: string, size: number, file: string | Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const entry = pack.entry({ name, size, mode: 0o644, mtime: new Date(0) }, (err) => {
      if (err) reject(err);
      else resolve();
    });
    if (Buffer.isBuffer(file)) {
      entry.end(file);
      return;
    }
    const input = createReadStream(file);
    input.on('error', reject);
    input.on('data', (chunk) => {
      if (!entry.write(chunk)) {
        input.pause();
        entry.once('drain', () => {
          input.resume();
        });
      }
    });
    input.on('end', () => {
      entry.end(Buffer.alloc(0));
    });
  });
}

export class FeedBundleService {
  constructor(
    private readonly repos: BundleRepos,
    private readonly imports: Pick<FeedImportService, 'runImport'>,
    private readonly clock: Clock,
    private readonly limits: Partial<ArchiveLimits> = {},
  ) {}

  /** Writes the whole store to `path` (refuses to replace an existing file unless `overwrite`). */
  async exportBundle(path: string, opts: { overwrite?: boolean } = {}): Promise<ExportResult> {
    if (opts.overwrite !== true && (await stat(path).then(() => true, () => false))) {
      throw new AppError('ERR_CONFLICT', `${path} exists; choose another name or allow overwriting`);
    }
    const tmp = await mkdtemp(join(tmpdir(), 'mamori-bundle-'));
    try {
      const sources: ManifestSource[] = [];
      const members: Manifest['members'] = {};
      const files: { name: string; file: string; bytes: number }[] = [];
      const records = await this.repos.feeds.listSources();
      let n = 0;
      for (const s of records) {
        const kind = sourceKindOf(s.sourceId);
        // A source that never imported successfully has no data to carry (and importing
        // an empty source would wipe the target's).
        if (kind === undefined || s.lastSuccessAt === null) continue;
        n++;
        const prefix = `sources/${String(n).padStart(2, '0')}-${slug(s.sourceId)}`;
        const writers = kind === 'advisories' ? [new MemberWriter(tmp, prefix, 'advisories'), new MemberWriter(tmp, prefix, 'affected')] : [new MemberWriter(tmp, prefix, 'enrichments')];
        const counts = await this.repos.transaction(async ({ feeds }) => {
          // Same lock as imports: the source is exported as one consistent state.
          await feeds.lockSource(s.sourceId);
          let advisories = 0;
          let affected = 0;
          let enrichments = 0;
          if (kind === 'advisories') {
            for (let after: string | null = null; ; ) {
              const page = await feeds.advisoriesPage(s.sourceId, after, PAGE);
              for (const a of page) await writers[0]!.write(a);
              advisories += page.length;
              if (page.length < PAGE) break;
              after = page[page.length - 1]!.id;
            }
            for (let after: { advisoryId: string; rowHash: string } | null = null; ; ) {
              const page = await feeds.affectedPage(s.sourceId, after, PAGE);
              for (const { rowHash: _h, ...row } of page) await writers[1]!.write(row);
              affected += page.length;
              if (page.length < PAGE) break;
              const last = page[page.length - 1]!;
              after = { advisoryId: last.advisoryId, rowHash: last.rowHash };
            }
          } else {
            for (let after: string | null = null; ; ) {
              const page = await feeds.enrichmentsPage(s.sourceId as 'nvd' | 'kev' | 'epss', after, PAGE);
              for (const e of page) await writers[0]!.write({ updatedAt: e.updatedAt.toISOString(), data: e.enrichment });
              enrichments += page.length;
              if (page.length < PAGE) break;
              after = page[page.length - 1]!.enrichment.cve;
            }
          }
          return { advisories, affected, enrichments };
        });
        const names: string[] = [];
        for (const w of writers) {
          await w.close();
          for (const m of w.done) {
            names.push(m.name);
            members[m.name] = { sha256: m.sha256, bytes: m.bytes, records: m.records, kind: m.kind };
            files.push({ name: m.name, file: m.file, bytes: m.bytes });
          }
        }
        sources.push({
          id: s.sourceId,
          kind,
          ...counts,
          state: {
            lastSuccessAt: s.lastSuccessAt.toISOString(),
            newestRecordAt: s.newestRecordAt?.toISOString() ?? null,
            validators: s.validators,
          },
          members: names,
        });
      }
      const manifest: Manifest = { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, createdAt: this.clock.now().toISOString(), sources, members };
      const manifestBuf = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);

      const partial = `${path}.partial-${randomBytes(4).toString('hex')}`;
      const out = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
      const fileHash = createHash('sha256');
      let bytes = 0;
      const pack = tar.pack();
      const gzip = createGzip();
      gzip.on('data', (c: Buffer) => {
        fileHash.update(c);
        bytes += c.length;
      });
      const written = new Promise<void>((resolve, reject) => {
        out.on('close', resolve);
        out.on('error', reject);
        gzip.on('error', reject);
        pack.on('error', reject);
      });
      pack.pipe(gzip).pipe(out);
      try {
        await addEntry(pack, 'manifest.json', manifestBuf.length, manifestBuf);
        for (const f of files) await addEntry(pack, f.name, f.bytes, f.file);
        pack.finalize();
        await written;
        await rename(partial, path);
      } catch (e) {
        await rm(partial, { force: true });
        throw e;
      }
      return {
        path,
        bytes,
        sha256: fileHash.digest('hex'),
        sources: sources.map((s) => ({ sourceId: s.id, advisories: s.advisories, affected: s.affected, enrichments: s.enrichments })),
      };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Verifies the whole bundle (manifest, member list, checksums, record shapes) and
   * only then loads each source atomically; a source failing to load does not stop the
   * others. Throws ERR_BUNDLE_INVALID (or ERR_ARCHIVE_UNSAFE) before touching the
   * database when anything does not verify.
   */
  async importBundle(path: string): Promise<BundleImportResult> {
    const manifest = await this.verify(path);
    const results: SourceImportResult[] = [];
    for (const source of manifest.sources) {
      try {
        const summary = await this.imports.runImport(
          source.id,
          'bundle',
          async (sink) => {
            const wanted = new Set(source.members);
            let files = 0;
            for await (const item of readMembers(path, { limits: this.limits, entries: wanted })) {
              if (item.kind === 'skip' || item.entry === null) continue;
              const meta = manifest.members[item.entry]!;
              const data = item.data;
              // Checked again: the file could have changed since it was verified.
              if (createHash('sha256').update(data).digest('hex') !== meta.sha256) {
                throw invalid(`${item.entry}: checksum changed after verification`);
              }
              files++;
              const batch: unknown[] = [];
              const flush = async (): Promise<void> => {
                if (batch.length === 0) return;
                if (meta.kind === 'advisories') await sink.addAdvisories(batch as never, item.entry!);
                else if (meta.kind === 'affected') await sink.addAffected(batch as never, item.entry!);
                else await sink.addEnrichments(batch as never, item.entry!);
                batch.length = 0;
              };
              for (const { line } of lines(data.toString('utf8'))) {
                const r = parseRecord(meta.kind, line);
                if (typeof r === 'string') throw invalid(`${item.entry}: ${r}`);
                batch.push(r.kind === 'advisories' ? r.advisory : r.kind === 'affected' ? r.row : { enrichment: r.enrichment, updatedAt: r.updatedAt });
                if (batch.length >= 2000) await flush();
              }
              await flush();
            }
            return files;
          },
          async (feeds) => {
            await feeds.restoreSourceState(source.id, {
              validators: source.state.validators,
              lastSuccessAt: source.state.lastSuccessAt === null ? null : new Date(source.state.lastSuccessAt),
              newestRecordAt: source.state.newestRecordAt === null ? null : new Date(source.state.newestRecordAt),
            });
          },
        );
        results.push({ sourceId: source.id, ok: true, summary });
      } catch (e) {
        const err = isAppError(e) ? e : new AppError('ERR_INTERNAL', e instanceof Error ? e.message : String(e), { cause: e });
        results.push({ sourceId: source.id, ok: false, files: source.members.length, error: { code: err.code, message: err.message } });
      }
    }
    return { createdAt: manifest.createdAt, sources: results };
  }

  /** Everything but the database: returns the manifest when the bundle is intact and well-formed. */
  async verify(path: string): Promise<Manifest> {
    let manifest: Manifest | null = null;
    const seen = new Set<string>();
    let first = true;
    for await (const item of readMembers(path, { limits: this.limits })) {
      if (item.entry === null) throw invalid(`${path} is not a bundle archive (.tar.gz)`);
      if (item.kind === 'skip') throw invalid(`${path}: unexpected member ${item.entry} (${item.reason})`);
      if (seen.has(item.entry)) throw invalid(`${path}: member ${item.entry} appears twice`);
      if (first && item.entry !== 'manifest.json') throw invalid(`${path}: the first member is ${item.entry}, not manifest.json`);
      first = false;
      const data = item.data;
      const sha256 = createHash('sha256').update(data).digest('hex');
      if (item.entry === 'manifest.json') {
        let v: unknown;
        try {
          v = JSON.parse(data.toString('utf8'));
        } catch (e) {
          throw invalid(`${path}: manifest.json is not valid JSON`, { cause: e instanceof Error ? e.message : String(e) });
        }
        const err = manifestError(v);
        if (err !== null) throw invalid(`${path}: manifest.json is not a feed bundle manifest: ${err}`);
        manifest = v as Manifest;
        if (manifest.version !== BUNDLE_VERSION) throw invalid(`${path}: bundle version ${manifest.version} is not supported (this version reads ${BUNDLE_VERSION})`);
        seen.add(item.entry);
        continue;
      }
      if (manifest === null) throw invalid(`${path}: no manifest.json`);
      const meta = manifest.members[item.entry];
      if (meta === undefined) throw invalid(`${path}: member ${item.entry} is not in the manifest`);
      if (meta.sha256 !== sha256 || meta.bytes !== data.length) {
        throw invalid(`${path}: member ${item.entry} does not match its checksum in the manifest (tampered or damaged)`, { member: item.entry });
      }
      // Every record must have its shape before anything is loaded.
      let records = 0;
      for (const { n, line } of lines(data.toString('utf8'))) {
        const r = parseRecord(meta.kind, line);
        if (typeof r === 'string') throw invalid(`${path}: ${item.entry} line ${n}: ${r}`);
        records++;
      }
      if (records !== meta.records) throw invalid(`${path}: ${item.entry} has ${records} records, the manifest says ${meta.records}`);
      seen.add(item.entry);
    }
    if (manifest === null) throw invalid(`${path}: no manifest.json`);
    for (const name of Object.keys(manifest.members)) {
      if (!seen.has(name)) throw invalid(`${path}: member ${name} listed in the manifest is missing`);
    }
    const owned = new Set<string>();
    for (const s of manifest.sources) {
      const kind = sourceKindOf(s.id);
      if (kind === undefined) throw invalid(`${path}: unknown source "${s.id}" in the manifest`);
      if (kind !== s.kind) throw invalid(`${path}: source ${s.id} holds ${kind}, the manifest says ${s.kind}`);
      for (const m of s.members) {
        const meta = manifest.members[m];
        if (meta === undefined) throw invalid(`${path}: source ${s.id} lists member ${m}, which is not in the manifest`);
        if (owned.has(m)) throw invalid(`${path}: member ${m} is listed by two sources`);
        owned.add(m);
        if ((kind === 'enrichments') !== (meta.kind === 'enrichments')) throw invalid(`${path}: member ${m} holds ${meta.kind}, not data of ${s.id}`);
      }
    }
    if (owned.size !== Object.keys(manifest.members).length) throw invalid(`${path}: the manifest lists members no source owns`);
    return manifest;
  }
}

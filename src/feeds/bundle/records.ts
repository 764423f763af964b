/**
 * Shapes of a feed bundle's manifest and records, checked on import: a bundle is
 * untrusted input (its checksums prove it is intact, not who made it).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Advisory, AffectedPackage, CveEnrichment } from '../../domain/advisory.js';

export const BUNDLE_FORMAT = 'mamori-feed-bundle';
export const BUNDLE_VERSION = 1;

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Str = Type.String({ maxLength: 1_000_000 });
const Strs = Type.Array(Type.String({ maxLength: 10_000 }));
const SeverityName = Type.Union(['critical', 'high', 'medium', 'low', 'negligible', 'unknown'].map((s) => Type.Literal(s)));
const VendorSeverity = Type.Object({ vendor: Nullable(Str), normalized: SeverityName });

const AdvisorySchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 1000 }),
  source: Type.String({ minLength: 1, maxLength: 200 }),
  cves: Strs,
  relatedIds: Strs,
  title: Nullable(Str),
  description: Nullable(Str),
  severity: VendorSeverity,
  cvss: Type.Array(
    Type.Object({
      version: Type.Union(['2.0', '3.0', '3.1', '4.0'].map((v) => Type.Literal(v))),
      vector: Str,
      baseScore: Type.Number(),
      source: Str,
    }),
  ),
  published: Nullable(Str),
  modified: Nullable(Str),
  withdrawn: Nullable(Str),
  references: Type.Array(Type.Object({ url: Str, type: Str })),
});

const AffectedSchema = Type.Object({
  source: Type.String({ minLength: 1, maxLength: 200 }),
  advisoryId: Type.String({ minLength: 1, maxLength: 1000 }),
  distro: Type.String({ minLength: 1, maxLength: 100 }),
  release: Type.String({ minLength: 1, maxLength: 100 }),
  channel: Nullable(Str),
  packageName: Type.String({ minLength: 1, maxLength: 1000 }),
  binaryNames: Nullable(Strs),
  moduleStream: Nullable(Str),
  arch: Nullable(Str),
  scheme: Type.Union([Type.Literal('rpm'), Type.Literal('dpkg'), Type.Literal('apk')]),
  ranges: Type.Array(
    Type.Object({ introduced: Type.Optional(Str), fixed: Type.Optional(Str), lastAffected: Type.Optional(Str) }, { additionalProperties: false }),
  ),
  versions: Strs,
  status: Type.Union(
    ['fixed', 'affected', 'will_not_fix', 'fix_deferred', 'not_affected', 'end_of_life', 'under_investigation'].map((s) => Type.Literal(s)),
  ),
  severity: Nullable(VendorSeverity),
  note: Nullable(Str),
});

const EnrichmentLineSchema = Type.Object({
  updatedAt: Type.String({ maxLength: 40 }),
  data: Type.Object({
    kind: Type.Union([Type.Literal('nvd'), Type.Literal('kev'), Type.Literal('epss')]),
    cve: Type.String({ pattern: '^CVE-\\d{4}-\\d{4,}$' }),
  }),
});

const ValidatorsSchema = Type.Record(Type.String(), Type.Object({ etag: Nullable(Type.String()), lastModified: Nullable(Type.String()) }));

export const ManifestSchema = Type.Object({
  format: Type.Literal(BUNDLE_FORMAT),
  version: Type.Integer(),
  createdAt: Type.String({ maxLength: 40 }),
  sources: Type.Array(
    Type.Object({
      id: Type.String({ minLength: 1, maxLength: 200 }),
      kind: Type.Union([Type.Literal('advisories'), Type.Literal('enrichments')]),
      advisories: Type.Integer({ minimum: 0 }),
      affected: Type.Integer({ minimum: 0 }),
      enrichments: Type.Integer({ minimum: 0 }),
      state: Type.Object({
        lastSuccessAt: Nullable(Type.String({ maxLength: 40 })),
        newestRecordAt: Nullable(Type.String({ maxLength: 40 })),
        validators: ValidatorsSchema,
      }),
      members: Type.Array(Type.String({ maxLength: 1000 })),
    }),
    { maxItems: 10_000 },
  ),
  members: Type.Record(
    Type.String(),
    Type.Object({
      sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
      bytes: Type.Integer({ minimum: 0 }),
      records: Type.Integer({ minimum: 0 }),
      kind: Type.Union([Type.Literal('advisories'), Type.Literal('affected'), Type.Literal('enrichments')]),
    }),
  ),
});

export type Manifest = Static<typeof ManifestSchema>;
export type ManifestSource = Manifest['sources'][number];
export type MemberKind = Manifest['members'][string]['kind'];

const checkManifest = TypeCompiler.Compile(ManifestSchema);
const checkAdvisory = TypeCompiler.Compile(AdvisorySchema);
const checkAffected = TypeCompiler.Compile(AffectedSchema);
const checkEnrichment = TypeCompiler.Compile(EnrichmentLineSchema);

/** The first schema error, for messages; null when valid. */
function firstError(check: { Check(v: unknown): boolean; Errors(v: unknown): Iterable<{ path: string; message: string }> }, v: unknown): string | null {
  if (check.Check(v)) return null;
  for (const e of check.Errors(v)) return `${e.path === '' ? '(root)' : e.path}: ${e.message}`;
  return 'invalid';
}

export function manifestError(v: unknown): string | null {
  return firstError(checkManifest, v);
}

export type BundleRecord =
  | { kind: 'advisories'; advisory: Advisory }
  | { kind: 'affected'; row: AffectedPackage }
  | { kind: 'enrichments'; enrichment: CveEnrichment; updatedAt: Date };

/** One JSONL line of a member → a record, or an error message. */
export function parseRecord(kind: MemberKind, line: string): BundleRecord | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    return `not valid JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  switch (kind) {
    case 'advisories': {
      const err = firstError(checkAdvisory, v);
      return err ?? { kind, advisory: v as Advisory };
    }
    case 'affected': {
      const err = firstError(checkAffected, v);
      return err ?? { kind, row: v as AffectedPackage };
    }
    case 'enrichments': {
      const err = firstError(checkEnrichment, v);
      if (err !== null) return err;
      const line = v as { updatedAt: string; data: CveEnrichment };
      const at = new Date(line.updatedAt);
      if (Number.isNaN(at.getTime())) return 'updatedAt is not a date';
      return { kind, enrichment: line.data, updatedAt: at };
    }
  }
}

/** Splits a member's text into lines (the last may lack its newline), skipping empty ones. */
export function* lines(text: string): Generator<{ n: number; line: string }> {
  let start = 0;
  let n = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    n++;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.trim() !== '') yield { n, line };
  }
}

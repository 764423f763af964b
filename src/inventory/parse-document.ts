import {
  type InstalledPackage,
  PACKAGE_SECTION_FORMATS,
  type PackageSectionFormat,
  type ParsedInventory,
} from '../domain/inventory.js';
import { AppError } from '../errors.js';
import { parseApkInstalled } from './parsers/apk.js';
import { parseDpkgQuery, parseDpkgStatus } from './parsers/dpkg.js';
import { detectOs } from './parsers/os-release.js';
import { parseRpmQf } from './parsers/rpm.js';
import { describeJsonType, isJsonObject, type JsonObject } from './parsers/json.js';
import type { PackageSectionResult } from './parsers/section.js';
import { parseRfc3339 } from './parsers/timestamp.js';
import { isVulsScanResult, parseVulsScanResult } from './parsers/vuls.js';

/*
 * The agent's inventory document, schema version 1 (docs/inventory-format.md), parsed into a
 * ParsedInventory. Pure: the HTTP layer validates the outer shape too, but this module does not
 * rely on it, since `mamori inventory import` reads files directly.
 */

function fieldError(field: string, message: string): AppError {
  return new AppError('ERR_VALIDATION', `inventory document: ${field} ${message}`, { details: { field } });
}

/** An optional string field: absent → null, "" → null, other types → ERR_VALIDATION. */
function optionalString(obj: JsonObject, key: string, field: string): string | null {
  if (!Object.hasOwn(obj, key)) return null;
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw fieldError(field, `must be a string, got ${describeJsonType(v)}`);
  return v === '' ? null : v;
}

/** Warnings kept per section, so a garbage section cannot bloat the ingest summary. */
const MAX_WARNINGS_PER_SECTION = 100;

const SECTION_PARSERS: Readonly<Record<PackageSectionFormat, (data: string) => PackageSectionResult>> = {
  'rpm-qf-v1': parseRpmQf,
  'dpkg-query-v1': parseDpkgQuery,
  'dpkg-status': parseDpkgStatus,
  'apk-installed': parseApkInstalled,
};

function isSectionFormat(x: string): x is PackageSectionFormat {
  return (PACKAGE_SECTION_FORMATS as readonly string[]).includes(x);
}

/** Copies the files map into a prototype-less record, checking every value is a string. */
function readFiles(raw: unknown): Record<string, string> {
  if (!isJsonObject(raw)) throw fieldError('files', `must be an object mapping paths to contents, got ${describeJsonType(raw)}`);
  const files = Object.create(null) as Record<string, string>;
  for (const [path, content] of Object.entries(raw)) {
    if (typeof content !== 'string') throw fieldError(`files[${JSON.stringify(path)}]`, `must be a string, got ${describeJsonType(content)}`);
    files[path] = content;
  }
  return files;
}

function readPackages(raw: unknown, warnings: string[]): InstalledPackage[] {
  if (!Array.isArray(raw)) throw fieldError('packages', `must be an array of {format, data} sections, got ${describeJsonType(raw)}`);
  const packages: InstalledPackage[] = [];
  const sections = raw as unknown[];
  for (let i = 0; i < sections.length; i++) {
    const section = sections[i];
    const where = `packages[${i}]`;
    if (!isJsonObject(section)) throw fieldError(where, `must be an object, got ${describeJsonType(section)}`);
    const format = section.format;
    if (typeof format !== 'string') throw fieldError(`${where}.format`, `must be a string, got ${describeJsonType(format)}`);
    if (!isSectionFormat(format)) {
      throw new AppError(
        'ERR_INVENTORY_INVALID',
        `inventory document: ${where}.format ${JSON.stringify(format)} is not a known package section format (${PACKAGE_SECTION_FORMATS.join(', ')})`,
        { details: { field: `${where}.format`, format } },
      );
    }
    const data = section.data;
    if (typeof data !== 'string') throw fieldError(`${where}.data`, `must be a string, got ${describeJsonType(data)}`);
    const result = SECTION_PARSERS[format](data);
    for (const p of result.packages) packages.push(p);
    for (const w of result.warnings.slice(0, MAX_WARNINGS_PER_SECTION)) warnings.push(`${where} (${format}): ${w}`);
    if (result.warnings.length > MAX_WARNINGS_PER_SECTION) {
      warnings.push(`${where} (${format}): … and ${result.warnings.length - MAX_WARNINGS_PER_SECTION} more warnings`);
    }
  }
  return packages;
}

/**
 * Parses the agent's inventory document (schema version 1) into a ParsedInventory with source 'agent'.
 * Throws ERR_INVENTORY_INVALID (not an object, unknown section format), ERR_INVENTORY_SCHEMA_VERSION,
 * ERR_VALIDATION (a required field missing or of the wrong type) or ERR_INVENTORY_NO_OS_RELEASE.
 */
export function parseInventoryDocument(doc: unknown): ParsedInventory {
  if (!isJsonObject(doc)) throw new AppError('ERR_INVENTORY_INVALID', `inventory document must be a JSON object, got ${describeJsonType(doc)}`);
  if (doc.schemaVersion !== 1) {
    const got: unknown = doc.schemaVersion;
    const shown = got === undefined ? 'none' : typeof got === 'number' ? String(got) : JSON.stringify(got);
    throw new AppError('ERR_INVENTORY_SCHEMA_VERSION', `inventory document schemaVersion must be 1, got ${shown}`, {
      details: { schemaVersion: doc.schemaVersion ?? null, supported: [1] },
    });
  }
  const host = doc.host;
  if (!isJsonObject(host)) throw fieldError('host', `must be an object, got ${describeJsonType(host)}`);
  const hostname = host.hostname;
  if (typeof hostname !== 'string' || hostname.trim() === '') throw fieldError('host.hostname', 'must be a non-empty string');
  if (doc.files === undefined) throw fieldError('files', 'is required');
  if (doc.packages === undefined) throw fieldError('packages', 'is required');
  if (doc.agent !== undefined && !isJsonObject(doc.agent)) {
    throw fieldError('agent', `must be an object, got ${describeJsonType(doc.agent)}`);
  }
  optionalString(doc, 'root', 'root');

  const warnings: string[] = [];
  const collectedAtText = optionalString(doc, 'collectedAt', 'collectedAt');
  let collectedAt: Date | null = null;
  if (collectedAtText !== null) {
    collectedAt = parseRfc3339(collectedAtText);
    if (collectedAt === null) warnings.push(`collectedAt ${JSON.stringify(collectedAtText)} is not an RFC 3339 time; ignored`);
  }

  const files = readFiles(doc.files);
  const packages = readPackages(doc.packages, warnings);
  const os = detectOs(files);

  return {
    source: 'agent',
    collectedAt,
    host: {
      hostname,
      fqdn: optionalString(host, 'fqdn', 'host.fqdn'),
      machineId: optionalString(host, 'machineId', 'host.machineId'),
      arch: optionalString(host, 'arch', 'host.arch'),
      kernelRelease: optionalString(host, 'kernelRelease', 'host.kernelRelease'),
      kernelVersion: optionalString(host, 'kernelVersion', 'host.kernelVersion'),
    },
    os,
    packages,
    warnings,
  };
}

/** Tells an agent document (has schemaVersion) from a Vuls scan result; ERR_INVENTORY_INVALID for anything else. */
export function detectInventoryKind(json: unknown): 'agent' | 'vuls' {
  if (!isJsonObject(json)) throw new AppError('ERR_INVENTORY_INVALID', `inventory must be a JSON object, got ${describeJsonType(json)}`);
  if (Object.hasOwn(json, 'schemaVersion')) return 'agent';
  if (isVulsScanResult(json)) return 'vuls';
  throw new AppError(
    'ERR_INVENTORY_INVALID',
    'JSON is neither a Mamori inventory document (no schemaVersion) nor a Vuls scan result (no serverName, family and packages)',
  );
}

/**
 * Parses an uploaded or posted inventory of either kind. `source` labels agent documents
 * ('agent' when the agent posted it, 'upload' for `mamori inventory import`); Vuls results are always 'vuls'.
 */
export function parseInventoryJson(json: unknown, source: 'agent' | 'upload' = 'agent'): ParsedInventory {
  if (detectInventoryKind(json) === 'vuls') return parseVulsScanResult(json);
  const parsed = parseInventoryDocument(json);
  parsed.source = source;
  return parsed;
}

/**
 * The team's shared real data (/work/shared/data, or $MAMORI_SHARED_DATA). Tests over it are
 * skipped where it is absent; the trimmed copies under testdata/ always run.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readTxtar } from './txtar.js';

export const SHARED_DATA = process.env.MAMORI_SHARED_DATA ?? '/work/shared/data';
export const INVENTORIES = join(SHARED_DATA, 'inventories');
export const hasSharedData = existsSync(INVENTORIES);

export function readShared(...parts: string[]): string {
  return readFileSync(join(INVENTORIES, ...parts), 'utf8');
}

export function listShared(...parts: string[]): string[] {
  const dir = join(INVENTORIES, ...parts);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Every file under a shared directory, as paths relative to it, sorted. */
export function walkShared(...parts: string[]): string[] {
  const root = join(INVENTORIES, ...parts);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

/** One RPM of a Red Hat container-catalog rpm-manifest (fields vary between API versions). */
export interface RpmManifestEntry {
  name: string;
  version?: string;
  release: string;
  architecture: string;
  nvra?: string;
  nerva?: string;
  srpm_name: string;
  srpm_nevra: string;
  module?: string;
}

/** The binary epoch and version of a manifest entry: from `version` ("1:9.5.0") or, in old manifests, from `nerva`. */
export function manifestEpochVersion(r: RpmManifestEntry): { epoch: string | null; version: string } {
  let ev = r.version;
  if (ev === undefined) {
    const nevra = r.nerva ?? r.nvra ?? '';
    const suffix = `-${r.release}.${r.architecture}`;
    ev = nevra.slice(r.name.length + 1, nevra.length - suffix.length);
  }
  const colon = ev.indexOf(':');
  return colon < 0 ? { epoch: null, version: ev } : { epoch: ev.slice(0, colon), version: ev.slice(colon + 1) };
}

/** `acl-0:2.3.1-3.el9.src` → `acl-2.3.1-3.el9.src.rpm` (a SOURCERPM file name has no epoch). */
export function manifestSourceRpm(r: RpmManifestEntry): string {
  return `${r.srpm_nevra.replace(/-\d+:/, '-')}.rpm`;
}

/**
 * Renders manifest entries as `rpm-qf-v1` lines, as the agent would send them from the same
 * image: NAME EPOCH VERSION RELEASE ARCH SOURCERPM VENDOR MODULARITYLABEL; `fields: 7` drops
 * the last one, as rpm < 4.14 does.
 */
export function manifestToRpmQf(rpms: readonly RpmManifestEntry[], fields: 7 | 8 = 8): string {
  return rpms
    .map((r) => {
      const { epoch, version } = manifestEpochVersion(r);
      const f = [r.name, epoch ?? '(none)', version, r.release, r.architecture, manifestSourceRpm(r), 'Red Hat, Inc.', r.module ?? '(none)'];
      return `${f.slice(0, fields).join('\t')}\n`;
    })
    .join('');
}

/** The rpm-manifest JSON documents in a shared file: the whole file, or each `…/rpm-manifest` section of a txtar. */
export function readRpmManifests(file: string): { label: string; rpms: RpmManifestEntry[] }[] {
  const text = readShared('rpm-manifests', file);
  if (file.endsWith('.json')) return [{ label: file, rpms: (JSON.parse(text) as { rpms: RpmManifestEntry[] }).rpms }];
  const out: { label: string; rpms: RpmManifestEntry[] }[] = [];
  for (const [name, body] of readTxtar(text).files) {
    if (name.endsWith('/rpm-manifest')) out.push({ label: `${file}:${name}`, rpms: (JSON.parse(body) as { rpms: RpmManifestEntry[] }).rpms });
  }
  return out;
}

/**
 * Feed sync settings from the environment (flags, where there are any, are
 * applied by the caller on top):
 *
 * | variable | meaning |
 * |---|---|
 * | `MAMORI_FEED_MIRROR` | base URL of a local mirror replacing every upstream (`http://mirror.local/mamori`) |
 * | `MAMORI_FEED_BASE_<ID>` | base URL of one source (`MAMORI_FEED_BASE_OSV_ALMALINUX`, `MAMORI_FEED_BASE_KEV`) |
 * | `MAMORI_FEED_EXTRA` | releases to sync besides the fleet's (`almalinux:9,debian:12`) |
 * | `MAMORI_FEED_MAX_DOWNLOAD_MB` | caps every download (default per source: 2 GiB OSV, 1 GiB Debian tracker, …) |
 * | `MAMORI_FEED_STAGING_DIR` | where downloads are staged (default `<data dir>/feeds-staging`) |
 * | `MAMORI_CA_FILE` | extra trusted CA certificates (PEM), e.g. a TLS-inspecting proxy's |
 * | `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` (and lower case) | outbound proxy |
 * | `NVD_API_KEY` | NVD API key (higher rate limit) |
 */
import { readFile } from 'node:fs/promises';
import { AppError } from '../../errors.js';
import { baseOverrideEnvName, CATALOG, parseExtraReleases, type PlanOptions } from '../sources.js';
import { proxyFromEnv, type ProxySettings } from './http.js';

export interface FeedSyncSettings {
  plan: PlanOptions;
  proxy: ProxySettings;
  caFile: string | null;
  stagingDir: string | null;
}

function nonEmpty(v: string | undefined): string | null {
  return v === undefined || v.trim() === '' ? null : v.trim();
}

function httpUrl(name: string, v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new AppError('ERR_VALIDATION', `${name} is not a URL: ${v}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new AppError('ERR_VALIDATION', `${name} must be an http or https URL: ${v}`);
  return u.href;
}

export function feedSyncSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): FeedSyncSettings {
  const mirrorRaw = nonEmpty(env.MAMORI_FEED_MIRROR);
  const baseOverrides: Record<string, string> = {};
  for (const entry of CATALOG) {
    const name = baseOverrideEnvName(entry.id);
    const v = nonEmpty(env[name]);
    if (v !== null) baseOverrides[entry.id] = httpUrl(name, v);
  }
  const maxMb = nonEmpty(env.MAMORI_FEED_MAX_DOWNLOAD_MB);
  let maxBytes: number | null = null;
  if (maxMb !== null) {
    const n = Number(maxMb);
    if (!Number.isFinite(n) || n <= 0) throw new AppError('ERR_VALIDATION', `MAMORI_FEED_MAX_DOWNLOAD_MB must be a positive number: ${maxMb}`);
    maxBytes = Math.floor(n * 1024 * 1024);
  }
  return {
    plan: {
      extras: parseExtraReleases(env.MAMORI_FEED_EXTRA),
      mirror: mirrorRaw === null ? null : httpUrl('MAMORI_FEED_MIRROR', mirrorRaw),
      baseOverrides,
      nvdApiKey: nonEmpty(env.NVD_API_KEY),
      maxBytes,
    },
    proxy: proxyFromEnv(env),
    caFile: nonEmpty(env.MAMORI_CA_FILE),
    stagingDir: nonEmpty(env.MAMORI_FEED_STAGING_DIR),
  };
}

/** Reads a PEM CA bundle; fails with a clear message when it holds no certificate. */
export async function readCaFile(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (e) {
    throw new AppError('ERR_VALIDATION', `cannot read MAMORI_CA_FILE ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new AppError('ERR_VALIDATION', `MAMORI_CA_FILE ${path} holds no PEM certificate`);
  return pem;
}

import type { OsInfo } from '../../domain/inventory.js';
import { AppError } from '../../errors.js';
import { splitLines } from './section.js';

/*
 * os-release(5) and the older release files, reduced to OsInfo.
 *
 * Precedence (first that identifies the OS wins):
 *   1. /etc/os-release, then /usr/lib/os-release (needs ID);
 *   2. distribution release files: /etc/oracle-release, /etc/almalinux-release, /etc/rocky-release,
 *      /etc/centos-release, /etc/fedora-release, then /etc/system-release, then /etc/redhat-release
 *      (Oracle Linux ships a /etc/redhat-release that says "Red Hat Enterprise Linux", so the
 *      specific files go first; on real hosts /etc/system-release links to the specific one);
 *   3. /etc/alpine-release; 4. /etc/lsb-release; 5. /etc/debian_version (Ubuntu has one too,
 *      saying e.g. "bullseye/sid", hence last).
 * /etc/alpine-release always gives Alpine's VERSION_ID (the full 3.19.1), and /etc/lsb-release
 * fills a missing codename.
 */

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Characters a backslash escapes inside double quotes, as in the shell (os-release(5)). */
function isDoubleQuoteEscapable(c: string): boolean {
  return c === '"' || c === '\\' || c === '`' || c === '$' || c === '\n';
}

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r';
}

/**
 * Parses os-release(5) (also lsb-release): `KEY=value` lines, shell quoting with double quotes
 * (backslash escapes `"` `\` `` ` `` `$`), single quotes (literal) or none (backslash escapes
 * the next character; an unquoted blank ends the value), `#` comments, blank lines. Lines that
 * are not assignments (including `export KEY=…`, which os-release does not allow) are ignored,
 * as are values with an unterminated quote. The result has no prototype, so keys such as
 * `__proto__` are plain data.
 */
export function parseOsRelease(text: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  const n = text.length;
  let i = 0;
  while (i < n) {
    // Start of a line: skip blanks and empty lines.
    while (i < n && (isBlank(text[i]!) || text[i] === '\n')) i++;
    if (i >= n) break;
    if (text[i] === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    // Find the '=' on this line only (a bounded scan, so huge inputs stay linear).
    let eq = i;
    while (eq < n && text[eq] !== '=' && text[eq] !== '\n') eq++;
    if (eq >= n || text[eq] === '\n') {
      i = eq + 1;
      continue;
    }
    const key = text.slice(i, eq).trim();
    i = eq + 1;
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    let value = '';
    let ok = true;
    while (i < n) {
      const c = text[i]!;
      if (c === '\n') break;
      if (c === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const d = text[i]!;
          if (d === '"') {
            closed = true;
            i++;
            break;
          }
          if (d === '\\' && i + 1 < n && isDoubleQuoteEscapable(text[i + 1]!)) {
            if (text[i + 1] !== '\n') value += text[i + 1]!;
            i += 2;
            continue;
          }
          value += d;
          i++;
        }
        if (!closed) ok = false;
        continue;
      }
      if (c === "'") {
        const close = text.indexOf("'", i + 1);
        if (close < 0) {
          ok = false;
          i = n;
          break;
        }
        value += text.slice(i + 1, close);
        i = close + 1;
        continue;
      }
      if (c === '\\') {
        if (i + 1 < n && text[i + 1] !== '\n') value += text[i + 1]!;
        i += 2;
        continue;
      }
      if (isBlank(c)) {
        // An unquoted blank ends the value; the rest of the line is a comment or junk.
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? n : nl;
        break;
      }
      value += c;
      i++;
    }
    if (ok && KEY.test(key)) out[key] = value;
  }
  return out;
}

interface DistroFacts {
  name: string;
  idLike: readonly string[];
}

/** Names and ID_LIKE of the distributions we know, as their os-release says. */
const DISTROS: ReadonlyMap<string, DistroFacts> = new Map<string, DistroFacts>([
  ['rhel', { name: 'Red Hat Enterprise Linux', idLike: ['fedora'] }],
  ['centos', { name: 'CentOS Linux', idLike: ['rhel', 'fedora'] }],
  ['almalinux', { name: 'AlmaLinux', idLike: ['rhel', 'centos', 'fedora'] }],
  ['rocky', { name: 'Rocky Linux', idLike: ['rhel', 'centos', 'fedora'] }],
  ['ol', { name: 'Oracle Linux Server', idLike: ['fedora'] }],
  ['amzn', { name: 'Amazon Linux', idLike: ['centos', 'rhel', 'fedora'] }],
  ['fedora', { name: 'Fedora Linux', idLike: [] }],
  ['scientific', { name: 'Scientific Linux', idLike: ['rhel', 'centos', 'fedora'] }],
  ['sles', { name: 'SLES', idLike: ['suse'] }],
  ['sled', { name: 'SLED', idLike: ['suse'] }],
  ['opensuse-leap', { name: 'openSUSE Leap', idLike: ['suse', 'opensuse'] }],
  ['opensuse-tumbleweed', { name: 'openSUSE Tumbleweed', idLike: ['opensuse', 'suse'] }],
  ['opensuse', { name: 'openSUSE', idLike: ['suse'] }],
  ['debian', { name: 'Debian GNU/Linux', idLike: [] }],
  ['ubuntu', { name: 'Ubuntu', idLike: ['debian'] }],
  ['raspbian', { name: 'Raspbian GNU/Linux', idLike: ['debian'] }],
  ['alpine', { name: 'Alpine Linux', idLike: [] }],
]);

/** Display name and ID_LIKE for an os-release ID we know; null for others. */
export function describeDistro(id: string): { name: string; idLike: string[] } | null {
  const d = DISTROS.get(id);
  return d === undefined ? null : { name: d.name, idLike: [...d.idLike] };
}

const DEBIAN_CODENAMES: ReadonlyMap<string, string> = new Map([
  ['4', 'etch'],
  ['5', 'lenny'],
  ['6', 'squeeze'],
  ['7', 'wheezy'],
  ['8', 'jessie'],
  ['9', 'stretch'],
  ['10', 'buster'],
  ['11', 'bullseye'],
  ['12', 'bookworm'],
  ['13', 'trixie'],
  ['14', 'forky'],
  ['15', 'duke'],
]);

const UBUNTU_CODENAMES: ReadonlyMap<string, string> = new Map([
  ['10.04', 'lucid'],
  ['10.10', 'maverick'],
  ['11.04', 'natty'],
  ['11.10', 'oneiric'],
  ['12.04', 'precise'],
  ['12.10', 'quantal'],
  ['13.04', 'raring'],
  ['13.10', 'saucy'],
  ['14.04', 'trusty'],
  ['14.10', 'utopic'],
  ['15.04', 'vivid'],
  ['15.10', 'wily'],
  ['16.04', 'xenial'],
  ['16.10', 'yakkety'],
  ['17.04', 'zesty'],
  ['17.10', 'artful'],
  ['18.04', 'bionic'],
  ['18.10', 'cosmic'],
  ['19.04', 'disco'],
  ['19.10', 'eoan'],
  ['20.04', 'focal'],
  ['20.10', 'groovy'],
  ['21.04', 'hirsute'],
  ['21.10', 'impish'],
  ['22.04', 'jammy'],
  ['22.10', 'kinetic'],
  ['23.04', 'lunar'],
  ['23.10', 'mantic'],
  ['24.04', 'noble'],
  ['24.10', 'oracular'],
  ['25.04', 'plucky'],
  ['25.10', 'questing'],
]);

/** Debian's VERSION_ID is the major release ("9" for 9.8 or 9.0), as its os-release writes it. */
export function toDebianMajor(version: string): string {
  const dot = version.indexOf('.');
  return dot < 0 ? version : version.slice(0, dot);
}

/** The release codename of a Debian or Ubuntu version ("12" → bookworm, "20.04.6" → focal); null when unknown. */
export function lookUpCodename(id: string, versionId: string): string | null {
  if (id === 'debian') return DEBIAN_CODENAMES.get(toDebianMajor(versionId)) ?? null;
  if (id === 'ubuntu') {
    const parts = versionId.split('.');
    return UBUNTU_CODENAMES.get(`${parts[0] ?? ''}.${parts[1] ?? ''}`) ?? null;
  }
  return null;
}

function readFile(files: Readonly<Record<string, string>>, path: string): string | null {
  if (!Object.hasOwn(files, path)) return null;
  const text = files[path];
  return typeof text === 'string' && text.trim() !== '' ? text : null;
}

function firstLine(text: string): string {
  return (splitLines(text.trim())[0] ?? '').trim();
}

function orNull(s: string | undefined): string | null {
  return s === undefined || s === '' ? null : s;
}

/** Release-file product names (the text before " release ") and the os-release ID they stand for. */
const RELEASE_FILE_PRODUCTS: readonly (readonly [prefix: string, id: string])[] = [
  ['Red Hat Enterprise Linux', 'rhel'],
  ['CentOS', 'centos'],
  ['AlmaLinux', 'almalinux'],
  ['Rocky Linux', 'rocky'],
  ['Oracle Linux', 'ol'],
  ['Fedora', 'fedora'],
  ['Amazon Linux', 'amzn'],
  ['Scientific Linux', 'scientific'],
];

const RELEASE_FILE_LINE = /^(.+?)\s+release\s+(\S+)/;

/** Reads "CentOS release 6.10 (Final)", "Amazon Linux AMI release 2018.03", …; null when unrecognised. */
function detectFromReleaseFile(text: string): OsInfo | null {
  const line = firstLine(text);
  const m = RELEASE_FILE_LINE.exec(line);
  if (m === null) return null;
  const product = m[1]!;
  const entry = RELEASE_FILE_PRODUCTS.find(([prefix]) => product.startsWith(prefix));
  if (entry === undefined) return null;
  const id = entry[1];
  return {
    id,
    idLike: describeDistro(id)?.idLike ?? [],
    versionId: m[2]!,
    codename: null,
    name: product,
    prettyName: line,
  };
}

const RELEASE_FILES = [
  '/etc/oracle-release',
  '/etc/almalinux-release',
  '/etc/rocky-release',
  '/etc/centos-release',
  '/etc/fedora-release',
  '/etc/system-release',
  '/etc/redhat-release',
] as const;

function alpineMinorPrettyName(versionId: string): string {
  const parts = versionId.split('.');
  return parts.length >= 2 ? `Alpine Linux v${parts[0]!}.${parts[1]!}` : `Alpine Linux ${versionId}`;
}

function detectFromOsRelease(fields: Record<string, string>): OsInfo | null {
  const id = (fields.ID ?? '').toLowerCase();
  if (id === '') return null;
  const name = orNull(fields.NAME) ?? describeDistro(id)?.name ?? id;
  const versionId = fields.VERSION_ID ?? '';
  return {
    id,
    idLike: (fields.ID_LIKE ?? '').split(/\s+/).filter((s) => s !== ''),
    versionId,
    codename: orNull(fields.VERSION_CODENAME) ?? orNull(fields.UBUNTU_CODENAME),
    name,
    prettyName: orNull(fields.PRETTY_NAME) ?? `${name} ${fields.VERSION ?? versionId}`.trim(),
  };
}

function detectFromLsbRelease(fields: Record<string, string>): OsInfo | null {
  const distrib = fields.DISTRIB_ID ?? '';
  if (distrib === '') return null;
  const id = distrib.toLowerCase();
  const versionId = fields.DISTRIB_RELEASE ?? '';
  return {
    id,
    idLike: describeDistro(id)?.idLike ?? [],
    versionId,
    codename: orNull(fields.DISTRIB_CODENAME),
    name: distrib,
    prettyName: orNull(fields.DISTRIB_DESCRIPTION) ?? `${distrib} ${versionId}`.trim(),
  };
}

/** Debian without os-release: /etc/debian_version is "9.8", "6.0.10" or, on testing/unstable, "buster/sid". */
function detectFromDebianVersion(text: string): OsInfo {
  const raw = firstLine(text);
  const slash = raw.indexOf('/');
  const numeric = /^\d/.test(raw);
  const versionId = numeric ? toDebianMajor(raw) : '';
  const codename = numeric ? lookUpCodename('debian', versionId) : orNull(slash < 0 ? raw : raw.slice(0, slash));
  const name = 'Debian GNU/Linux';
  return {
    id: 'debian',
    idLike: [],
    versionId,
    codename,
    name,
    prettyName: numeric ? `${name} ${versionId}${codename === null ? '' : ` (${codename})`}` : `${name} ${raw}`,
  };
}

/**
 * Identifies the OS from the release files the agent collected (path → content).
 * Throws ERR_INVENTORY_NO_OS_RELEASE when none of them does.
 */
export function detectOs(files: Readonly<Record<string, string>>): OsInfo {
  const alpineRelease = readFile(files, '/etc/alpine-release');
  const lsbText = readFile(files, '/etc/lsb-release');
  const lsb = lsbText === null ? null : parseOsRelease(lsbText);

  const osReleaseText = readFile(files, '/etc/os-release') ?? readFile(files, '/usr/lib/os-release');
  let os = osReleaseText === null ? null : detectFromOsRelease(parseOsRelease(osReleaseText));

  if (os === null) {
    for (const path of RELEASE_FILES) {
      const text = readFile(files, path);
      os = text === null ? null : detectFromReleaseFile(text);
      if (os !== null) break;
    }
  }
  if (os === null && alpineRelease !== null) {
    const versionId = firstLine(alpineRelease);
    os = { id: 'alpine', idLike: [], versionId, codename: null, name: 'Alpine Linux', prettyName: alpineMinorPrettyName(versionId) };
  }
  if (os === null && lsb !== null) os = detectFromLsbRelease(lsb);
  if (os === null) {
    const debianVersion = readFile(files, '/etc/debian_version');
    if (debianVersion !== null) os = detectFromDebianVersion(debianVersion);
  }
  if (os === null) {
    const present = Object.keys(files).filter((k) => readFile(files, k) !== null);
    throw new AppError(
      'ERR_INVENTORY_NO_OS_RELEASE',
      present.length === 0
        ? 'inventory has no OS release file (/etc/os-release, /etc/redhat-release, /etc/alpine-release, …)'
        : `no OS release file identifies the OS (files: ${present.slice(0, 10).join(', ')})`,
      { details: { files: present.slice(0, 10) } },
    );
  }

  if (os.id === 'alpine' && alpineRelease !== null) os.versionId = firstLine(alpineRelease);
  if (os.codename === null && lsb !== null && (lsb.DISTRIB_ID ?? '').toLowerCase() === os.id) {
    os.codename = orNull(lsb.DISTRIB_CODENAME);
  }
  if (os.codename === null) os.codename = lookUpCodename(os.id, os.versionId);
  return os;
}

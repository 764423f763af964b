/**
 * RPM version comparison, exactly as rpm does it. Pure: no I/O.
 *
 * - `rpmvercmp` follows rpm's `rpmio/rpmvercmp.c` (`rpmvercmp()`): the
 *   segment-by-segment comparison of one version or one release string.
 * - `parseEvr` follows `parseEVR()` in rpm's `rpmio/rpmver.c` and
 *   `compareRpmEvr` follows `rpmverCmp()` from the same file. That is what
 *   rpm >= 4.16 itself uses for `rpm.vercmp()` in its Lua interpreter and
 *   for `rpmdev-vercmp`; the tests check it against `rpm.vercmp` of the rpm
 *   on the test machine (4.18 on Debian 12).
 *
 * Two points where "what rpm does" depends on the routine, and which one we follow:
 *
 * - A missing epoch is "0" (rpmverCmp; rpmVersionCompare() on headers does
 *   the same with the numeric EPOCH tag). The epoch is compared with
 *   rpmvercmp, so `01:` = `1:` and a 40-digit epoch keeps its precision.
 * - A missing release: rpmverCmp() sorts an EVR without a release *before*
 *   the same EVR with any release, even an empty one (`1 < 1-`, `1 < 1-0`).
 *   rpm's dependency matching (`rpmverOverlap()` / `rpmdsCompareEVR()`)
 *   instead treats a missing release as a wildcard when the range includes
 *   equality (`Requires: foo >= 1.0` is met by foo-1.0-5). That is a range
 *   question, not an ordering, and belongs to the matching layer; this module
 *   answers the ordering question the way `rpm.vercmp()` does.
 *
 * Character classes are ASCII, like rpm's `risdigit`/`risalpha`: every other
 * code unit (including all non-ASCII text) is a separator, so `1.1.α = 1.1.β`.
 * Digit runs are compared as strings (leading zeros stripped, then length,
 * then lexically), never as numbers, as rpmvercmp does.
 *
 * Hot path: no regular expressions and no allocations; every routine walks
 * index ranges of the original strings with `charCodeAt`.
 */
import { invalidVersion, type Comparison, type VersionValidation } from './types.js';

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_UPPER_A = 0x41;
const CH_UPPER_Z = 0x5a;
const CH_LOWER_A = 0x61;
const CH_LOWER_Z = 0x7a;
const CH_TILDE = 0x7e;
const CH_CARET = 0x5e;
const CH_COLON = 0x3a;
const CH_DOT = 0x2e;
const CH_DASH = 0x2d;
/** Marks "ran off the end of the string" in the loops below (C's NUL). */
const END = -1;

/** The epoch rpmverCmp() substitutes when an EVR has none. */
const ZERO = '0';

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function isAlpha(c: number): boolean {
  return (c >= CH_LOWER_A && c <= CH_LOWER_Z) || (c >= CH_UPPER_A && c <= CH_UPPER_Z);
}

/**
 * rpmvercmp() on the ranges a[i, ae) and b[j, be). Returns 1 if a is newer,
 * -1 if b is newer, 0 if they are the same version.
 */
function vercmpRange(a: string, i: number, ae: number, b: string, j: number, be: number): Comparison {
  while (i < ae || j < be) {
    // Skip separators: anything but ASCII letters, digits, '~' and '^'.
    let ca = END;
    while (i < ae) {
      const c = a.charCodeAt(i);
      if (isDigit(c) || isAlpha(c) || c === CH_TILDE || c === CH_CARET) {
        ca = c;
        break;
      }
      i++;
    }
    let cb = END;
    while (j < be) {
      const c = b.charCodeAt(j);
      if (isDigit(c) || isAlpha(c) || c === CH_TILDE || c === CH_CARET) {
        cb = c;
        break;
      }
      j++;
    }

    // '~' sorts before everything, even the end of the string.
    if (ca === CH_TILDE || cb === CH_TILDE) {
      if (ca !== CH_TILDE) return 1;
      if (cb !== CH_TILDE) return -1;
      i++;
      j++;
      continue;
    }

    // '^' sorts after the end of the string (the base version) but before
    // anything else.
    if (ca === CH_CARET || cb === CH_CARET) {
      if (ca === END) return -1;
      if (cb === END) return 1;
      if (ca !== CH_CARET) return 1;
      if (cb !== CH_CARET) return -1;
      i++;
      j++;
      continue;
    }

    // Ran to the end of either: decided after the loop.
    if (ca === END || cb === END) break;

    // Take the next completely numeric or completely alphabetic segment; its
    // type is decided by a's first character.
    let si = i;
    let sj = j;
    if (isDigit(ca)) {
      i++;
      while (i < ae && isDigit(a.charCodeAt(i))) i++;
      while (j < be && isDigit(b.charCodeAt(j))) j++;
      // b has an alphabetic segment here: numeric segments are newer.
      if (j === sj) return 1;
      // Throw away leading zeros; then the longer number wins; then the
      // first differing digit decides.
      while (si < i && a.charCodeAt(si) === CH_0) si++;
      while (sj < j && b.charCodeAt(sj) === CH_0) sj++;
      const la = i - si;
      const lb = j - sj;
      if (la !== lb) return la > lb ? 1 : -1;
      for (; si < i; si++, sj++) {
        const d = a.charCodeAt(si) - b.charCodeAt(sj);
        if (d !== 0) return d > 0 ? 1 : -1;
      }
    } else {
      i++;
      while (i < ae && isAlpha(a.charCodeAt(i))) i++;
      while (j < be && isAlpha(b.charCodeAt(j))) j++;
      // b has a numeric segment here: numeric segments are newer.
      if (j === sj) return -1;
      // strcmp() of the two alphabetic segments.
      const la = i - si;
      const lb = j - sj;
      const n = la < lb ? la : lb;
      for (let k = 0; k < n; k++) {
        const d = a.charCodeAt(si + k) - b.charCodeAt(sj + k);
        if (d !== 0) return d > 0 ? 1 : -1;
      }
      if (la !== lb) return la > lb ? 1 : -1;
    }
  }

  // All segments compared equal (separators may have differed); whichever
  // string still has characters left wins.
  if (i >= ae && j >= be) return 0;
  return i >= ae ? -1 : 1;
}

/**
 * rpm's `rpmvercmp()`: compares two version strings, or two release strings,
 * segment by segment. No parsing of epoch or release happens here; use
 * `compareRpmEvr` for `[epoch:]version[-release]` strings. Total: every pair of
 * strings has an answer (the empty string is the smallest plain version).
 */
export function rpmvercmp(a: string, b: string): Comparison {
  if (a === b) return 0;
  return vercmpRange(a, 0, a.length, b, 0, b.length);
}

/** An EVR split as rpm's parseEVR() splits it. `null` means "absent", which rpm treats differently from empty. */
export interface RpmEvr {
  epoch: string | null;
  version: string;
  release: string | null;
}

/** What rpm.vercmp()/rpmverParse() rejects: only the empty string. A NUL cannot reach rpm through a C string, so we reject it too. */
function evrProblem(s: string): string | null {
  if (s.length === 0) return 'version string is empty';
  if (s.indexOf('\u0000') !== -1) return 'version string contains a NUL character';
  return null;
}

/** Index of the last '-' in s, or -1 (a backward loop: cheaper than lastIndexOf on short strings). */
function lastDash(s: string): number {
  let i = s.length - 1;
  while (i >= 0 && s.charCodeAt(i) !== CH_DASH) i--;
  return i;
}

/** Do a[i, ae) and b[j, be) hold the same characters? */
function sameRange(a: string, i: number, ae: number, b: string, j: number, be: number): boolean {
  if (ae - i !== be - j) return false;
  for (; i < ae; i++, j++) if (a.charCodeAt(i) !== b.charCodeAt(j)) return false;
  return true;
}

/** Index of the first character that is not an ASCII digit (rpm's epoch terminator). */
function epochEnd(s: string): number {
  let i = 0;
  const n = s.length;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Splits `[epoch:]version[-release]` as rpm's parseEVR() does: the epoch is the
 * leading run of digits if, and only if, a ':' follows it (an empty epoch,
 * `:1`, becomes "0"); the release is everything after the *last* '-'.
 * Anything else is part of the version, so `a:1` has no epoch and version `a:1`.
 * Throws `ERR_VERSION_INVALID` for the empty string, as rpmverParse() returns NULL for it.
 */
export function parseEvr(s: string): RpmEvr {
  const problem = evrProblem(s);
  if (problem !== null) throw invalidVersion('rpm', s, problem);
  const e = epochEnd(s);
  const hasEpoch = e < s.length && s.charCodeAt(e) === CH_COLON;
  const vs = hasEpoch ? e + 1 : 0;
  const dash = s.lastIndexOf('-');
  return {
    epoch: hasEpoch ? (e === 0 ? ZERO : s.slice(0, e)) : null,
    version: s.slice(vs, dash >= vs ? dash : s.length),
    release: dash >= vs ? s.slice(dash + 1) : null,
  };
}

/**
 * rpmverCmp() on two EVR strings (`[epoch:]version[-release]`), as
 * `rpm --eval '%{lua: print(rpm.vercmp(a, b))}'` answers. Throws
 * `ERR_VERSION_INVALID` for an empty string (rpm.vercmp raises "invalid version").
 */
export function compareRpmEvr(a: string, b: string): Comparison {
  const pa = evrProblem(a);
  if (pa !== null) throw invalidVersion('rpm', a, pa);
  const pb = evrProblem(b);
  if (pb !== null) throw invalidVersion('rpm', b, pb);
  if (a === b) return 0;

  const al = a.length;
  const bl = b.length;

  // parseEVR(): epoch = leading digits followed by ':'; release = after the last '-'.
  const aEe = epochEnd(a);
  const aHasEpoch = aEe < al && a.charCodeAt(aEe) === CH_COLON;
  const aVs = aHasEpoch ? aEe + 1 : 0;
  const aDash = lastDash(a);
  const aHasRel = aDash >= aVs;
  const aVe = aHasRel ? aDash : al;

  const bEe = epochEnd(b);
  const bHasEpoch = bEe < bl && b.charCodeAt(bEe) === CH_COLON;
  const bVs = bHasEpoch ? bEe + 1 : 0;
  const bDash = lastDash(b);
  const bHasRel = bDash >= bVs;
  const bVe = bHasRel ? bDash : bl;

  // rpmverCmp(): a missing (or empty) epoch is "0", compared with rpmvercmp.
  const aEpochPresent = aHasEpoch && aEe > 0;
  const bEpochPresent = bHasEpoch && bEe > 0;
  let rc: Comparison;
  if ((aEpochPresent || bEpochPresent) && !(aEpochPresent && bEpochPresent && sameRange(a, 0, aEe, b, 0, bEe))) {
    rc = vercmpRange(
      aEpochPresent ? a : ZERO,
      0,
      aEpochPresent ? aEe : 1,
      bEpochPresent ? b : ZERO,
      0,
      bEpochPresent ? bEe : 1,
    );
    if (rc !== 0) return rc;
  }

  // Identical versions (the common case: only the release differs) need no segment walk.
  if (!sameRange(a, aVs, aVe, b, bVs, bVe)) {
    rc = vercmpRange(a, aVs, aVe, b, bVs, bVe);
    if (rc !== 0) return rc;
  }

  // compare_values(): an absent release sorts before any present one.
  if (aHasRel && bHasRel) return vercmpRange(a, aDash + 1, al, b, bDash + 1, bl);
  if (aHasRel) return 1;
  if (bHasRel) return -1;
  return 0;
}

/** rpmverCmp() on already split parts (e.g. the EPOCH, VERSION and RELEASE tags of an installed package). */
export function compareRpmEvrParts(a: RpmEvr, b: RpmEvr): Comparison {
  const ae = a.epoch === null || a.epoch === '' ? ZERO : a.epoch;
  const be = b.epoch === null || b.epoch === '' ? ZERO : b.epoch;
  let rc = vercmpRange(ae, 0, ae.length, be, 0, be.length);
  if (rc !== 0) return rc;
  rc = rpmvercmp(a.version, b.version);
  if (rc !== 0) return rc;
  if (a.release !== null && b.release !== null) return rpmvercmp(a.release, b.release);
  if (a.release !== null) return 1;
  if (b.release !== null) return -1;
  return 0;
}

/** The inverse of parseEvr(), as rpmverEVR() formats it. */
export function formatRpmEvr(evr: RpmEvr): string {
  const e = evr.epoch === null ? '' : `${evr.epoch}:`;
  const r = evr.release === null ? '' : `-${evr.release}`;
  return `${e}${evr.version}${r}`;
}

/** name, epoch, version, release and architecture of one package. */
export interface RpmNevra {
  name: string;
  epoch: string | null;
  version: string;
  release: string;
  arch: string;
}

/** A leading `digits:` prefix of s[from, to), as rpm's parseEVR() recognises an epoch; returns the colon index or -1. */
function epochColon(s: string, from: number, to: number): number {
  let i = from;
  while (i < to && isDigit(s.charCodeAt(i))) i++;
  return i < to && s.charCodeAt(i) === CH_COLON ? i : -1;
}

/**
 * Splits `name-[epoch:]version-release.arch` (rpm's `%{NEVRA}`), also
 * `epoch:name-version-release.arch` (yum's ENVRA), a package file name
 * `name-version-release.arch.rpm` and the SOURCERPM form
 * `vim-7.4.160-5.el7.src.rpm` (arch `src`). The release and version are the
 * last two '-'-separated fields, the arch is what follows the last '.' of
 * the release field. Throws `ERR_VERSION_INVALID` when a part is missing.
 */
export function parseNevra(s: string): RpmNevra {
  const fail = (reason: string): never => {
    throw invalidVersion('rpm', s, `not a name-[epoch:]version-release.arch string: ${reason}`);
  };
  if (s.length === 0) fail('empty string');
  if (s.indexOf('\u0000') !== -1) fail('contains a NUL character');
  let end = s.length;
  if (s.endsWith('.rpm')) end -= 4;
  const relDash = s.lastIndexOf('-', end - 1);
  if (relDash < 0) fail('no release');
  const dot = s.lastIndexOf('.', end - 1);
  if (dot <= relDash) fail('no architecture after the release');
  const verDash = relDash === 0 ? -1 : s.lastIndexOf('-', relDash - 1);
  if (verDash < 0) fail('no version');

  let nameStart = 0;
  let epoch: string | null = null;
  const envraColon = epochColon(s, 0, verDash);
  if (envraColon >= 0) {
    epoch = envraColon === 0 ? ZERO : s.slice(0, envraColon);
    nameStart = envraColon + 1;
  }
  let versionStart = verDash + 1;
  const nevraColon = epochColon(s, versionStart, relDash);
  if (nevraColon >= 0) {
    if (epoch !== null) fail('two epochs');
    epoch = nevraColon === versionStart ? ZERO : s.slice(versionStart, nevraColon);
    versionStart = nevraColon + 1;
  }

  const result: RpmNevra = {
    name: s.slice(nameStart, verDash),
    epoch,
    version: s.slice(versionStart, relDash),
    release: s.slice(relDash + 1, dot),
    arch: s.slice(dot + 1, end),
  };
  if (result.name.length === 0) fail('empty name');
  if (result.version.length === 0) fail('empty version');
  if (result.release.length === 0) fail('empty release');
  if (result.arch.length === 0) fail('empty architecture');
  return result;
}

/** rpmbuild's ALLOWED_CHARS_VERREL (build/rpmbuild_internal.h), besides ASCII letters and digits. */
function isVerRelChar(c: number): boolean {
  return (
    isDigit(c) ||
    isAlpha(c) ||
    c === CH_DOT ||
    c === 0x5f /* _ */ ||
    c === 0x2b /* + */ ||
    c === 0x25 /* % */ ||
    c === 0x7b /* { */ ||
    c === 0x7d /* } */ ||
    c === CH_TILDE ||
    c === CH_CARET
  );
}

/** rpmbuild's rpmCharCheck() for a VERSION or RELEASE tag value; returns the problem or null. */
function verRelProblem(what: string, s: string, from: number, to: number): string | null {
  if (from >= to) return `${what} is empty`;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!isVerRelChar(c)) {
      return `illegal character ${JSON.stringify(String.fromCharCode(c))} in ${what} (rpmbuild allows letters, digits and "._+%{}~^")`;
    }
    if (c === CH_DOT && i + 1 < to && s.charCodeAt(i + 1) === CH_DOT) return `illegal sequence ".." in ${what}`;
  }
  return null;
}

/**
 * Validates an EVR string.
 *
 * By default the check is what rpm's comparison accepts (rpmverParse()): any
 * non-empty string (without NUL). Every such string has a well-defined order,
 * so this is exactly the set `compareRpmEvr` accepts.
 *
 * With `strict: true` the check is what rpmbuild accepts for a package's own
 * EVR: an epoch, when present, is a non-empty unsigned 32-bit number; the
 * version (and the release, when a '-' is present) is non-empty and passes
 * rpmbuild's rpmCharCheck() (ASCII letters, digits and `._+%{}~^`, no `..`).
 */
export function validateRpmVersion(s: string, options: { strict?: boolean } = {}): VersionValidation {
  const problem = evrProblem(s);
  if (problem !== null) return { ok: false, reason: problem };
  if (options.strict !== true) return { ok: true };

  const e = epochEnd(s);
  const hasEpoch = e < s.length && s.charCodeAt(e) === CH_COLON;
  if (hasEpoch) {
    if (e === 0) return { ok: false, reason: 'epoch is empty' };
    let z = 0;
    while (z < e - 1 && s.charCodeAt(z) === CH_0) z++;
    const digits = s.slice(z, e);
    if (digits.length > 10 || (digits.length === 10 && digits > '4294967295')) {
      return { ok: false, reason: 'epoch does not fit in 32 bits' };
    }
  }
  const vs = hasEpoch ? e + 1 : 0;
  const dash = s.lastIndexOf('-');
  const hasRel = dash >= vs;
  const vp = verRelProblem('version', s, vs, hasRel ? dash : s.length);
  if (vp !== null) return { ok: false, reason: vp };
  if (hasRel) {
    const rp = verRelProblem('release', s, dash + 1, s.length);
    if (rp !== null) return { ok: false, reason: rp };
  }
  return { ok: true };
}

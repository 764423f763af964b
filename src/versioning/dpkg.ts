/**
 * Debian version comparison, exactly as dpkg does it. Pure: no I/O.
 *
 * - Parsing and validation follow `parseversion()` in dpkg's
 *   `lib/dpkg/parsehelp.c`, message for message.
 * - Comparison follows `dpkg_version_compare()` and `verrevcmp()` in dpkg's
 *   `lib/dpkg/version.c` (Debian Policy §5.6.12): epoch numerically, then the
 *   upstream version and the revision with verrevcmp.
 *
 * Errors and warnings. parseversion() has two levels of failure:
 * - errors (empty string, embedded blanks, bad/negative/too big epoch,
 *   nothing after the colon, empty upstream version, empty revision after a
 *   '-'): dpkg refuses the version everywhere, including
 *   `dpkg --compare-versions` (exit 2). We throw `ERR_VERSION_INVALID`.
 * - warnings (upstream version not starting with a digit, characters outside
 *   `[A-Za-z0-9.+~:-]` in the upstream version or outside `[A-Za-z0-9.+~]` in
 *   the revision): `dpkg --compare-versions` prints a warning and compares
 *   anyway, and dpkg's lax database parser accepts such versions, so they do
 *   occur on real hosts. We follow dpkg: `compareDpkg` compares them,
 *   `parseDpkgVersion` and `validateDpkgVersion` report the warning, and
 *   `validateDpkgVersion(v, { strict: true })` rejects them as dpkg's strict
 *   (non-lax) parsing does.
 *
 * Quirks kept on purpose because dpkg has them: the epoch is read with C's
 * strtol(), so `+1:2` has epoch 1 and `-0:2` has epoch 0; only space and tab
 * are trimmed. Not replicated: `dpkg --compare-versions` (not parseversion)
 * treats an empty argument or `<unknown>` as "no version"; for us an empty
 * string is an error and `<unknown>` an ordinary (warning-level) version.
 *
 * Non-ASCII text (a warning in dpkg) is compared byte by byte on its UTF-8
 * encoding, as dpkg does on x86-64 where `char` is signed: such a byte sorts
 * after every letter and before every other non-alphanumeric ASCII character.
 * (On platforms with unsigned `char`, dpkg sorts those bytes after everything.)
 *
 * Hot path: no regular expressions and no allocations (the non-ASCII slow
 * path excepted); digit runs are compared as strings, never parsed to numbers.
 */
import { invalidVersion, type Comparison, type VersionValidation } from './types.js';

/** A parsed Debian version: `[epoch:]upstream[-revision]`. */
export interface DpkgVersion {
  epoch: number;
  upstream: string;
  /** "" when the version has no '-'; dpkg treats that like "0". */
  revision: string;
  /** dpkg's warning-level syntax complaint, when there is one. */
  warning?: string;
}

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_UPPER_A = 0x41;
const CH_UPPER_Z = 0x5a;
const CH_LOWER_A = 0x61;
const CH_LOWER_Z = 0x7a;
const CH_TILDE = 0x7e;
const CH_COLON = 0x3a;
const CH_DASH = 0x2d;
const CH_PLUS = 0x2b;
const CH_DOT = 0x2e;
const CH_SPACE = 0x20;
const CH_TAB = 0x09;
const END = -1;
const INT_MAX = '2147483647';
/** A C string cannot hold NUL, so dpkg never sees one; we reject it rather than guess. */
const NUL_MESSAGE = 'version string contains a NUL character';

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function isAlpha(c: number): boolean {
  return (c >= CH_LOWER_A && c <= CH_LOWER_Z) || (c >= CH_UPPER_A && c <= CH_UPPER_Z);
}

/** c_isblank(): what parseversion() trims and calls "spaces". */
function isBlank(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB;
}

/** C isspace() in the C locale: what strtol() skips before the number. */
function isCSpace(c: number): boolean {
  return c === CH_SPACE || (c >= 0x09 && c <= 0x0d);
}

/**
 * Where parseversion() found the parts of one string. Two instances are
 * reused by compareDpkg so that the hot path allocates nothing.
 */
class Split {
  epoch = 0;
  upStart = 0;
  upEnd = 0;
  revStart = 0;
  revEnd = 0;
  nonAscii = false;
}

const SPLIT_A = new Split();
const SPLIT_B = new Split();

/**
 * parseversion() without the warning-level checks: fills `out` and returns
 * null, or returns dpkg's error message.
 */
function split(s: string, out: Split): string | null {
  const n = s.length;

  // Trim leading and trailing blanks.
  let start = 0;
  while (start < n && isBlank(s.charCodeAt(start))) start++;
  if (start === n) return 'version string is empty';
  if (s.charCodeAt(start) === 0) return NUL_MESSAGE;

  let end = start;
  let colon = -1;
  let lastDash = -1;
  let nonAscii = false;
  for (; end < n; end++) {
    const c = s.charCodeAt(end);
    // Letters, '~' and non-ASCII sit above ':'; one test sends them past the rest.
    if (c > CH_COLON) {
      if (c > 0x7f) nonAscii = true;
    } else if (c === CH_COLON) {
      if (colon < 0) colon = end;
    } else if (c === CH_DASH) {
      lastDash = end;
    } else if (isBlank(c)) {
      break;
    } else if (c === 0) {
      return NUL_MESSAGE;
    }
  }
  for (let p = end; p < n; p++) {
    const c = s.charCodeAt(p);
    if (!isBlank(c)) return c === 0 || s.indexOf('\u0000', p) !== -1 ? NUL_MESSAGE : 'version string has embedded spaces';
  }

  let upStart = start;
  let epoch = 0;
  if (colon >= 0) {
    // strtol(string, &eepochcolon, 10): optional white space, optional sign, digits.
    let p = start;
    while (p < colon && isCSpace(s.charCodeAt(p))) p++;
    let negative = false;
    const sign = s.charCodeAt(p);
    if (sign === CH_PLUS || sign === CH_DASH) {
      negative = sign === CH_DASH;
      p++;
    }
    const digitsStart = p;
    while (p < end && isDigit(s.charCodeAt(p))) p++;
    if (p === digitsStart) return 'epoch in version is empty';
    if (p !== colon) return 'epoch in version is not number';
    let z = digitsStart;
    while (z < p - 1 && s.charCodeAt(z) === CH_0) z++;
    const len = p - z;
    const isZero = len === 1 && s.charCodeAt(z) === CH_0;
    if (negative && !isZero) return 'epoch in version is negative';
    if (len > INT_MAX.length || (len === INT_MAX.length && s.slice(z, p) > INT_MAX)) {
      return 'epoch in version is too big';
    }
    if (colon + 1 === end) return 'nothing after colon in version number';
    // At most 10 digits and <= INT_MAX: exact as a double.
    for (let k = z; k < p; k++) epoch = epoch * 10 + (s.charCodeAt(k) - CH_0);
    upStart = colon + 1;
  }

  // The revision is what follows the last '-' of the version part.
  let upEnd = end;
  let revStart = end;
  if (lastDash >= upStart) {
    if (lastDash + 1 === end) return 'revision number is empty';
    upEnd = lastDash;
    revStart = lastDash + 1;
  }
  if (upStart === upEnd) return 'version number is empty';

  out.epoch = epoch;
  out.upStart = upStart;
  out.upEnd = upEnd;
  out.revStart = revStart;
  out.revEnd = end;
  out.nonAscii = nonAscii;
  return null;
}

/** parseversion()'s warning-level checks on an already split version; returns the warning or null. */
function warningOf(s: string, sp: Split): string | null {
  if (!isDigit(s.charCodeAt(sp.upStart))) return 'version number does not start with digit';
  for (let i = sp.upStart + 1; i < sp.upEnd; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c) && !isAlpha(c) && c !== CH_DOT && c !== CH_DASH && c !== CH_PLUS && c !== CH_TILDE && c !== CH_COLON) {
      return 'invalid character in version number';
    }
  }
  for (let i = sp.revStart; i < sp.revEnd; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c) && !isAlpha(c) && c !== CH_DOT && c !== CH_PLUS && c !== CH_TILDE) {
      return 'invalid character in revision number';
    }
  }
  return null;
}

/**
 * verrevcmp()'s order(): the weight of one character outside digit runs.
 * Digits and the end of the string weigh 0, '~' sorts before everything,
 * letters next, then (x86-64 dpkg) bytes >= 0x80, then other ASCII.
 * `c` is END, an ASCII code, or a UTF-8 byte (in the non-ASCII slow path).
 */
function order(c: number): number {
  if (c === END || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === CH_TILDE) return -1;
  // (signed char)byte + 256 == byte for bytes >= 0x80.
  return c > 0x7f ? c : c + 256;
}

/** verrevcmp() on the ranges a[i, ae) and b[j, be). */
function verrevcmpRange(a: string, i: number, ae: number, b: string, j: number, be: number): Comparison {
  while (i < ae || j < be) {
    // Non-digit prefix, character by character by order().
    for (;;) {
      const ca = i < ae ? a.charCodeAt(i) : END;
      const cb = j < be ? b.charCodeAt(j) : END;
      if (!((ca !== END && !isDigit(ca)) || (cb !== END && !isDigit(cb)))) break;
      const oa = order(ca);
      const ob = order(cb);
      if (oa !== ob) return oa < ob ? -1 : 1;
      i++;
      j++;
    }
    // Digit run, numerically: skip leading zeros, longer wins, else first difference.
    while (i < ae && a.charCodeAt(i) === CH_0) i++;
    while (j < be && b.charCodeAt(j) === CH_0) j++;
    let firstDiff = 0;
    while (i < ae && j < be) {
      const ca = a.charCodeAt(i);
      const cb = b.charCodeAt(j);
      if (!isDigit(ca) || !isDigit(cb)) break;
      if (firstDiff === 0) firstDiff = ca - cb;
      i++;
      j++;
    }
    if (i < ae && isDigit(a.charCodeAt(i))) return 1;
    if (j < be && isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff < 0 ? -1 : 1;
  }
  return 0;
}

/** Do a[i, ae) and b[j, be) hold the same characters? */
function sameRange(a: string, i: number, ae: number, b: string, j: number, be: number): boolean {
  if (ae - i !== be - j) return false;
  for (; i < ae; i++, j++) if (a.charCodeAt(i) !== b.charCodeAt(j)) return false;
  return true;
}

/** The UTF-8 bytes of s as a string of code units 0..255 (slow path for non-ASCII versions). */
function utf8Bytes(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let out = '';
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

/** dpkg's verrevcmp() on two version fragments (an upstream version or a revision). Total: no validation. */
export function verrevcmp(a: string, b: string): Comparison {
  if (a === b) return 0;
  if (hasNonAscii(a) || hasNonAscii(b)) {
    const ab = utf8Bytes(a);
    const bb = utf8Bytes(b);
    return verrevcmpRange(ab, 0, ab.length, bb, 0, bb.length);
  }
  return verrevcmpRange(a, 0, a.length, b, 0, b.length);
}

function hasNonAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return true;
  return false;
}

/**
 * parseversion(): splits `[epoch:]upstream[-revision]` after trimming blanks.
 * Throws `ERR_VERSION_INVALID` with dpkg's message for what dpkg treats as an
 * error; returns the parts with `warning` set for what dpkg only warns about.
 */
export function parseDpkgVersion(s: string): DpkgVersion {
  const sp = new Split();
  const err = split(s, sp);
  if (err !== null) throw invalidVersion('dpkg', s, err);
  const result: DpkgVersion = {
    epoch: sp.epoch,
    upstream: s.slice(sp.upStart, sp.upEnd),
    revision: s.slice(sp.revStart, sp.revEnd),
  };
  const warning = warningOf(s, sp);
  if (warning !== null) result.warning = warning;
  return result;
}

/**
 * dpkg_version_compare() on two version strings, as `dpkg --compare-versions`
 * answers (warning-level versions are compared). Throws `ERR_VERSION_INVALID`
 * for versions dpkg rejects.
 */
export function compareDpkg(a: string, b: string): Comparison {
  const ea = split(a, SPLIT_A);
  if (ea !== null) throw invalidVersion('dpkg', a, ea);
  const eb = split(b, SPLIT_B);
  if (eb !== null) throw invalidVersion('dpkg', b, eb);
  if (a === b) return 0;

  if (SPLIT_A.epoch !== SPLIT_B.epoch) return SPLIT_A.epoch > SPLIT_B.epoch ? 1 : -1;

  let sa = a;
  let sb = b;
  if (SPLIT_A.nonAscii || SPLIT_B.nonAscii) {
    // Compare UTF-8 bytes, as dpkg does; re-split the byte strings (all the
    // structural characters are ASCII, so the split cannot change).
    sa = utf8Bytes(a);
    sb = utf8Bytes(b);
    split(sa, SPLIT_A);
    split(sb, SPLIT_B);
  }
  // Identical upstream versions (the common case: only the revision differs) need no walk.
  if (!sameRange(sa, SPLIT_A.upStart, SPLIT_A.upEnd, sb, SPLIT_B.upStart, SPLIT_B.upEnd)) {
    const rc = verrevcmpRange(sa, SPLIT_A.upStart, SPLIT_A.upEnd, sb, SPLIT_B.upStart, SPLIT_B.upEnd);
    if (rc !== 0) return rc;
  }
  return verrevcmpRange(sa, SPLIT_A.revStart, SPLIT_A.revEnd, sb, SPLIT_B.revStart, SPLIT_B.revEnd);
}

/** dpkg_version_compare() on already parsed versions. */
export function compareDpkgParts(a: DpkgVersion, b: DpkgVersion): Comparison {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  const rc = verrevcmp(a.upstream, b.upstream);
  if (rc !== 0) return rc;
  return verrevcmp(a.revision, b.revision);
}

/**
 * parseversion() as a check. `{ ok: false }` for dpkg's errors; `{ ok: true,
 * warning }` for its warnings, or `{ ok: false }` with `strict: true` (dpkg's
 * non-lax parsing turns every warning into an error).
 */
export function validateDpkgVersion(s: string, options: { strict?: boolean } = {}): VersionValidation {
  const sp = new Split();
  const err = split(s, sp);
  if (err !== null) return { ok: false, reason: err };
  const warning = warningOf(s, sp);
  if (warning === null) return { ok: true };
  return options.strict === true ? { ok: false, reason: warning } : { ok: true, warning };
}

/**
 * Alpine (apk) version comparison, exactly as apk-tools does it. Pure: no I/O.
 *
 * We follow apk-tools 3.x (`src/version.c` on the master branch, the
 * tokenizer with TOKEN_COMMIT_HASH): its own test vectors
 * (`test/unit/version.data`) use the `~hash` and validity syntax only 3.x
 * has. apk-tools 2.x orders a few *invalid* versions differently
 * (`1-r-0` vs `1-r0`, `1.2.0A` vs `1.2.0d`, `1 > 1-ruff`, ...); valid versions
 * compare the same in both. The test lists the osv-scalibr vectors that
 * record 2.x behaviour and skips them by name.
 *
 * Grammar (apk-tools' comment): `digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}`,
 * suffixes `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`.
 *
 * - The tokenizer follows `token_first()` / `token_next()`; token order is
 *   INITIAL_DIGIT < DIGIT < LETTER < SUFFIX < SUFFIX_NO < COMMIT_HASH <
 *   REVISION_NO < END < INVALID, and each token may only follow a smaller one.
 * - Token values compare as `token_cmp()`: numbers numerically, except that a
 *   non-initial digit run with a leading zero (`1.01`) compares as a string
 *   (Gentoo rule); letters by character; suffixes by rank; commit hashes as
 *   strings.
 * - The end of the comparison follows `apk_version_compare_fuzzy()`: when all
 *   common tokens are equal, a pre-release suffix (`_alpha`.. `_rc`) sorts
 *   before the end, otherwise the version whose next token type is smaller
 *   is the newer one (so END beats INVALID).
 * - `validateApk` is `apk_version_validate()`.
 *
 * Invalid versions: apk-tools itself compares them token by token
 * (`apk version -t` answers for any string); that is `compareApkLax`.
 * `compareApk` (what `compareVersions('apk', ...)` uses) throws
 * `ERR_VERSION_INVALID` instead: apk refuses such versions in packages and
 * dependencies, so on a real system one is a parsing bug.
 *
 * One deliberate difference: apk-tools reads numbers into a uint64 that
 * wraps silently beyond 20 digits; we compare digit runs as strings (leading
 * zeros stripped, then length, then lexically), which agrees with apk for
 * every number below 2^64 and keeps 40-digit numbers exact.
 *
 * Hot path: no regular expressions, no allocations; two reusable cursors.
 */
import { invalidVersion, type Comparison, type VersionValidation } from './types.js';

// Token types, in apk-tools' order (enum PARTS).
const T_INITIAL_DIGIT = 0;
const T_DIGIT = 1;
const T_LETTER = 2;
const T_SUFFIX = 3;
const T_SUFFIX_NO = 4;
const T_COMMIT_HASH = 5;
const T_REVISION_NO = 6;
const T_END = 7;
const T_INVALID = 8;

// Suffix ranks (DECLARE_SUFFIXES): pre-release ones sort below SUFFIX_NONE.
const SUFFIX_INVALID = 0;
const SUFFIX_ALPHA = 1;
const SUFFIX_BETA = 2;
const SUFFIX_PRE = 3;
const SUFFIX_RC = 4;
const SUFFIX_NONE = 5;
const SUFFIX_CVS = 6;
const SUFFIX_SVN = 7;
const SUFFIX_GIT = 8;
const SUFFIX_HG = 9;
const SUFFIX_P = 10;

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_LOWER_A = 0x61;
const CH_LOWER_F = 0x66;
const CH_LOWER_Z = 0x7a;
const CH_LOWER_R = 0x72;
const CH_DOT = 0x2e;
const CH_UNDERSCORE = 0x5f;
const CH_TILDE = 0x7e;
const CH_DASH = 0x2d;

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function isLower(c: number): boolean {
  return c >= CH_LOWER_A && c <= CH_LOWER_Z;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= CH_LOWER_A && c <= CH_LOWER_F);
}

/** Does s[from, to) spell `word`? */
function spells(s: string, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (s.charCodeAt(from + k) !== word.charCodeAt(k)) return false;
  return true;
}

/** suffix_value(): the rank of the suffix s[from, to), or SUFFIX_INVALID. */
function suffixValue(s: string, from: number, to: number): number {
  if (from >= to) return SUFFIX_INVALID;
  let rank: number;
  let word: string;
  switch (s.charCodeAt(from)) {
    case 0x61 /* a */:
      rank = SUFFIX_ALPHA;
      word = 'alpha';
      break;
    case 0x62 /* b */:
      rank = SUFFIX_BETA;
      word = 'beta';
      break;
    case 0x63 /* c */:
      rank = SUFFIX_CVS;
      word = 'cvs';
      break;
    case 0x67 /* g */:
      rank = SUFFIX_GIT;
      word = 'git';
      break;
    case 0x68 /* h */:
      rank = SUFFIX_HG;
      word = 'hg';
      break;
    case 0x70 /* p */:
      if (to - from > 1) {
        rank = SUFFIX_PRE;
        word = 'pre';
      } else {
        rank = SUFFIX_P;
        word = 'p';
      }
      break;
    case 0x72 /* r */:
      rank = SUFFIX_RC;
      word = 'rc';
      break;
    case 0x73 /* s */:
      rank = SUFFIX_SVN;
      word = 'svn';
      break;
    default:
      return SUFFIX_INVALID;
  }
  return spells(s, from, to, word) ? rank : SUFFIX_INVALID;
}

/** struct token_state plus the blob being read: the current token and its value s[start, end). */
class Cursor {
  s = '';
  pos = 0;
  len = 0;
  token = T_INVALID;
  /** Where the current token begins (for error messages). */
  at = 0;
  start = 0;
  end = 0;
  suffix = SUFFIX_INVALID;

  /** token_first(): a version starts with a number. */
  first(s: string): void {
    this.s = s;
    this.pos = 0;
    this.at = 0;
    this.len = s.length;
    this.token = T_INITIAL_DIGIT;
    this.digits();
  }

  /** token_parse_digits(): the value is the digit run; an empty run is invalid. */
  private digits(): void {
    const s = this.s;
    let p = this.pos;
    this.start = p;
    while (p < this.len && isDigit(s.charCodeAt(p))) p++;
    this.end = p;
    this.pos = p;
    if (p === this.start) this.token = T_INVALID;
  }

  /** token_next(): the type comes from the first character and must be allowed after the previous token. */
  next(): void {
    this.at = this.pos;
    if (this.pos >= this.len) {
      this.token = T_END;
      return;
    }
    const s = this.s;
    const c = s.charCodeAt(this.pos);
    const prev = this.token;
    if (isLower(c)) {
      if (prev > T_DIGIT) {
        this.token = T_INVALID;
        return;
      }
      this.start = this.pos;
      this.end = this.pos + 1;
      this.pos++;
      this.token = T_LETTER;
    } else if (c === CH_DOT || isDigit(c)) {
      if (c === CH_DOT) {
        if (prev > T_DIGIT) {
          this.token = T_INVALID;
          return;
        }
        this.pos++;
      }
      if (prev === T_INITIAL_DIGIT || prev === T_DIGIT) this.token = T_DIGIT;
      else if (prev === T_SUFFIX) this.token = T_SUFFIX_NO;
      else {
        this.token = T_INVALID;
        return;
      }
      this.digits();
    } else if (c === CH_UNDERSCORE) {
      if (prev > T_SUFFIX_NO) {
        this.token = T_INVALID;
        return;
      }
      let p = ++this.pos;
      while (p < this.len && isLower(s.charCodeAt(p))) p++;
      this.start = this.pos;
      this.end = p;
      this.pos = p;
      this.suffix = suffixValue(s, this.start, p);
      this.token = this.suffix === SUFFIX_INVALID ? T_INVALID : T_SUFFIX;
    } else if (c === CH_TILDE) {
      if (prev >= T_COMMIT_HASH) {
        this.token = T_INVALID;
        return;
      }
      let p = ++this.pos;
      while (p < this.len && isHexDigit(s.charCodeAt(p))) p++;
      this.start = this.pos;
      this.end = p;
      this.pos = p;
      this.token = p === this.start ? T_INVALID : T_COMMIT_HASH;
    } else if (c === CH_DASH) {
      if (prev >= T_REVISION_NO || this.pos + 1 >= this.len || s.charCodeAt(this.pos + 1) !== CH_LOWER_R) {
        this.token = T_INVALID;
        return;
      }
      this.pos += 2;
      this.token = T_REVISION_NO;
      this.digits();
    } else {
      this.token = T_INVALID;
    }
  }
}

const CURSOR_A = new Cursor();
const CURSOR_B = new Cursor();

/** Numeric comparison of two digit runs, as strings: leading zeros stripped, then length, then lexically. */
function compareNumber(a: string, i: number, ae: number, b: string, j: number, be: number): Comparison {
  while (i < ae - 1 && a.charCodeAt(i) === CH_0) i++;
  while (j < be - 1 && b.charCodeAt(j) === CH_0) j++;
  const la = ae - i;
  const lb = be - j;
  if (la !== lb) return la > lb ? 1 : -1;
  for (; i < ae; i++, j++) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d > 0 ? 1 : -1;
  }
  return 0;
}

/** apk_blob_sort(): memcmp of the common length, then the shorter first. */
function compareBlob(a: string, i: number, ae: number, b: string, j: number, be: number): Comparison {
  const la = ae - i;
  const lb = be - j;
  const n = la < lb ? la : lb;
  for (let k = 0; k < n; k++) {
    const d = a.charCodeAt(i + k) - b.charCodeAt(j + k);
    if (d !== 0) return d > 0 ? 1 : -1;
  }
  if (la !== lb) return la > lb ? 1 : -1;
  return 0;
}

/** token_cmp() for two tokens of the same type. */
function compareToken(ta: Cursor, tb: Cursor): Comparison {
  switch (ta.token) {
    case T_DIGIT:
      // A leading zero makes the run compare as a string (Gentoo rule).
      if (ta.s.charCodeAt(ta.start) === CH_0 || tb.s.charCodeAt(tb.start) === CH_0) {
        return compareBlob(ta.s, ta.start, ta.end, tb.s, tb.start, tb.end);
      }
      return compareNumber(ta.s, ta.start, ta.end, tb.s, tb.start, tb.end);
    case T_INITIAL_DIGIT:
    case T_SUFFIX_NO:
    case T_REVISION_NO:
      return compareNumber(ta.s, ta.start, ta.end, tb.s, tb.start, tb.end);
    case T_LETTER: {
      const d = ta.s.charCodeAt(ta.start) - tb.s.charCodeAt(tb.start);
      return d === 0 ? 0 : d > 0 ? 1 : -1;
    }
    case T_SUFFIX:
      return ta.suffix === tb.suffix ? 0 : ta.suffix > tb.suffix ? 1 : -1;
    default:
      // TOKEN_COMMIT_HASH
      return compareBlob(ta.s, ta.start, ta.end, tb.s, tb.start, tb.end);
  }
}

/**
 * apk_version_compare_fuzzy() on two cursors already at their first token.
 * Leaves each cursor at the token where the comparison was decided.
 */
function compareCursors(ta: Cursor, tb: Cursor, fuzzy: boolean): Comparison {
  while (ta.token === tb.token && ta.token < T_END) {
    const r = compareToken(ta, tb);
    if (r !== 0) return r;
    ta.next();
    tb.next();
  }
  // Both at END or both INVALID; or (fuzzy) b is a prefix of a.
  if (ta.token === tb.token) return 0;
  if (tb.token === T_END && fuzzy) return 0;
  // The common leading tokens are equal: the longer version is newer unless
  // it continues with a pre-release suffix; otherwise the smaller next token
  // type is newer (END beats INVALID).
  if (ta.token === T_SUFFIX && ta.suffix < SUFFIX_NONE) return -1;
  if (tb.token === T_SUFFIX && tb.suffix < SUFFIX_NONE) return 1;
  if (ta.token > tb.token) return -1;
  if (tb.token > ta.token) return 1;
  return 0;
}

/** Walks the cursor to its END (true) or to an INVALID token (false). */
function runToEnd(t: Cursor): boolean {
  while (t.token < T_END) t.next();
  return t.token === T_END;
}

function describeInvalid(s: string, t: Cursor): string {
  const grammar = 'not an apk version (digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#})';
  if (s.length === 0) return `${grammar}: empty string`;
  if (t.at >= s.length) return `${grammar}: ends unexpectedly`;
  const rest = s.length - t.at > 12 ? `${s.slice(t.at, t.at + 12)}…` : s.slice(t.at);
  return `${grammar}: invalid part ${JSON.stringify(rest)} at offset ${t.at}`;
}

/** Why `s` is not a valid apk version, or null. */
function problemOf(s: string): string | null {
  CURSOR_A.first(s);
  return runToEnd(CURSOR_A) ? null : describeInvalid(s, CURSOR_A);
}

/** apk_version_validate(): does `s` follow apk's version grammar? */
export function validateApk(s: string): VersionValidation {
  const problem = problemOf(s);
  return problem === null ? { ok: true } : { ok: false, reason: problem };
}

/**
 * apk_version_compare() exactly as apk-tools does it, including its answers
 * for invalid versions (what `apk version -t a b` prints). Never throws.
 */
export function compareApkLax(a: string, b: string): Comparison {
  CURSOR_A.first(a);
  CURSOR_B.first(b);
  return compareCursors(CURSOR_A, CURSOR_B, false);
}

/**
 * apk_version_compare() for valid versions; throws `ERR_VERSION_INVALID` when
 * either version does not follow apk's grammar (see `validateApk`).
 */
export function compareApk(a: string, b: string): Comparison {
  CURSOR_A.first(a);
  CURSOR_B.first(b);
  const rc = compareCursors(CURSOR_A, CURSOR_B, false);
  // Finish validating both from where the comparison stopped: each string is read once.
  if (!runToEnd(CURSOR_A)) throw invalidVersion('apk', a, describeInvalid(a, CURSOR_A));
  if (!runToEnd(CURSOR_B)) throw invalidVersion('apk', b, describeInvalid(b, CURSOR_B));
  return rc;
}

const APK_VERSION_EQUAL = 1;
const APK_VERSION_LESS = 2;
const APK_VERSION_GREATER = 4;
const APK_VERSION_FUZZY = 8;
const APK_DEPMASK_ANY = APK_VERSION_EQUAL | APK_VERSION_LESS | APK_VERSION_GREATER | APK_VERSION_FUZZY;

/**
 * apk_version_match() as `apk vertest` uses it: does `a op b` hold? `op` is
 * made of `<`, `>`, `=` and `~` (fuzzy: `3.6.9 ~ 3.6` holds), optionally
 * preceded by `!` to negate. Like apk-tools, it does not validate the
 * versions. Throws `ERR_VERSION_INVALID` for an operator apk does not know.
 */
export function matchApkVersion(a: string, op: string, b: string): boolean {
  let i = 0;
  const negate = op.startsWith('!');
  if (negate) i = 1;
  let mask = 0;
  for (; i < op.length; i++) {
    switch (op.charCodeAt(i)) {
      case 0x3c /* < */:
        mask |= APK_VERSION_LESS;
        break;
      case 0x3e /* > */:
        mask |= APK_VERSION_GREATER;
        break;
      case 0x3d /* = */:
        mask |= APK_VERSION_EQUAL;
        break;
      case 0x7e /* ~ */:
        mask |= APK_VERSION_FUZZY | APK_VERSION_EQUAL;
        break;
      default:
        mask = 0;
        i = op.length;
    }
  }
  if (mask === 0) throw invalidVersion('apk', op, 'not an apk version operator (<, <=, =, >=, >, ~, <~, >~, optionally negated with !)');
  let ok = (mask & APK_DEPMASK_ANY) === APK_DEPMASK_ANY;
  if (!ok) {
    CURSOR_A.first(a);
    CURSOR_B.first(b);
    const rc = compareCursors(CURSOR_A, CURSOR_B, (mask & APK_VERSION_FUZZY) !== 0);
    const bit = rc < 0 ? APK_VERSION_LESS : rc > 0 ? APK_VERSION_GREATER : APK_VERSION_EQUAL;
    ok = (bit & mask) !== 0;
  }
  return negate ? !ok : ok;
}

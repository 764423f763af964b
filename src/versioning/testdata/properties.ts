/**
 * Test support: fast-check arbitraries of version-like strings per scheme and
 * the order properties every comparator must keep.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Comparison } from '../types.js';

type Scheme = 'rpm' | 'dpkg' | 'apk';

/** fast-check parameters: replayable with MAMORI_VERSION_SEED like the differential tests. */
export function fcParams(numRuns: number): fc.Parameters<unknown> {
  const env = process.env.MAMORI_VERSION_SEED;
  return env !== undefined && env !== '' ? { numRuns, seed: Number(env) } : { numRuns };
}

const join = (parts: string[]): string => parts.join('');

/**
 * Strings built from a small alphabet of meaningful pieces, so that random
 * pairs and triples often share prefixes and hit every rule.
 */
export function versionLike(scheme: Scheme): fc.Arbitrary<string> {
  const num = fc.constantFrom('0', '1', '2', '9', '00', '01', '10', '1234567890123456789012345678901234567890');
  switch (scheme) {
    case 'rpm': {
      const piece = fc.oneof(num, fc.constantFrom('a', 'b', 'Z', 'rc', 'el', 'é'), fc.constantFrom('.', '_', '+', '~', '^', '-', ':', ''));
      return fc.array(piece, { minLength: 1, maxLength: 8 }).map(join).filter((s) => s.length > 0);
    }
    case 'dpkg': {
      const frag = (seps: string[]): fc.Arbitrary<string> =>
        fc.array(fc.oneof(num, fc.constantFrom('a', 'b', 'Z', 'rc', 'dfsg'), fc.constantFrom(...seps)), { maxLength: 6 }).map(join);
      return fc
        .tuple(
          fc.option(fc.constantFrom('0', '1', '2', '10'), { nil: undefined }),
          num,
          frag(['.', '+', '~', ':', '-', '']),
          fc.option(fc.tuple(num, frag(['.', '+', '~', ''])).map(join), { nil: undefined }),
        )
        .map(([epoch, first, rest, rev]) => {
          const up = first + rest;
          // A ':' in the upstream version needs an epoch, a trailing '-' a revision.
          const e = epoch ?? (up.includes(':') ? '0' : undefined);
          const r = rev ?? (up.endsWith('-') ? '0' : undefined);
          return `${e === undefined ? '' : `${e}:`}${up}${r === undefined ? '' : `-${r}`}`;
        });
    }
    case 'apk': {
      const digits = fc.array(num, { minLength: 0, maxLength: 3 }).map((xs) => xs.map((x) => `.${x}`).join(''));
      const suffix = fc
        .array(fc.tuple(fc.constantFrom('alpha', 'beta', 'pre', 'rc', 'cvs', 'svn', 'git', 'hg', 'p'), fc.option(num, { nil: '' })), { maxLength: 2 })
        .map((xs) => xs.map(([s, n]) => `_${s}${n}`).join(''));
      return fc
        .tuple(
          num,
          digits,
          fc.option(fc.constantFrom('a', 'b', 'z'), { nil: '' }),
          suffix,
          fc.option(fc.constantFrom('~0', '~abc', '~abd', '~0f'), { nil: '' }),
          fc.option(num.map((n) => `-r${n}`), { nil: '' }),
        )
        .map((parts) => parts.join(''));
    }
  }
}

/** Reflexivity, antisymmetry and transitivity, plus sort consistency (a strong transitivity check). */
export function checkProperties(cmp: (a: string, b: string) => Comparison, arb: fc.Arbitrary<string>): void {
  fc.assert(
    fc.property(arb, (a) => cmp(a, a) === 0),
    fcParams(500),
  );
  fc.assert(
    fc.property(arb, arb, (a, b) => cmp(a, b) === -cmp(b, a)),
    fcParams(2000),
  );
  fc.assert(
    fc.property(arb, arb, arb, (a, b, c) => {
      const ab = cmp(a, b);
      const bc = cmp(b, c);
      const ac = cmp(a, c);
      if (ab <= 0 && bc <= 0) expect(ac, `${a} <= ${b} <= ${c}`).toBeLessThanOrEqual(0);
      if (ab >= 0 && bc >= 0) expect(ac, `${a} >= ${b} >= ${c}`).toBeGreaterThanOrEqual(0);
      if (ab === 0 && bc === 0) expect(ac, `${a} = ${b} = ${c}`).toBe(0);
    }),
    fcParams(3000),
  );
  fc.assert(
    fc.property(fc.array(arb, { minLength: 2, maxLength: 30 }), (xs) => {
      const sorted = xs.slice().sort(cmp);
      for (let i = 0; i < sorted.length; i++) {
        for (let j = i + 1; j < sorted.length; j++) {
          expect(cmp(sorted[i]!, sorted[j]!), `${sorted[i]!} vs ${sorted[j]!} after sorting`).toBeLessThanOrEqual(0);
        }
      }
    }),
    fcParams(300),
  );
}

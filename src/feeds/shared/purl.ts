/**
 * Package URLs (https://github.com/package-url/purl-spec), as CSAF and OpenVEX documents
 * write them: `pkg:rpm/redhat/ruby@2.7.8-139.module%2Bel8.8.0%2B18745%2Bf1bef313?arch=aarch64&rpmmod=ruby:2.7`,
 * `pkg:deb/ubuntu/curl@7.81.0-1ubuntu1.24?arch=source&distro=jammy`. Lenient about
 * unencoded characters in qualifier values (Ubuntu writes `distro=esm-infra/xenial`). Pure.
 */

export interface Purl {
  type: string;
  namespace: string | null;
  name: string;
  version: string | null;
  qualifiers: Readonly<Record<string, string>>;
}

function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** Null when `s` is not a `pkg:type/[namespace/]name[@version][?qualifiers][#subpath]` string. */
export function parsePurl(s: string): Purl | null {
  if (!s.startsWith('pkg:')) return null;
  let rest = s.slice(4);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const qualifiers: Record<string, string> = {};
  const q = rest.indexOf('?');
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) return null;
      const value = decode(pair.slice(eq + 1));
      if (value === null) return null;
      qualifiers[pair.slice(0, eq).toLowerCase()] = value;
    }
    rest = rest.slice(0, q);
  }
  let version: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    version = decode(rest.slice(at + 1));
    if (version === null) return null;
    if (version === '') version = null;
    rest = rest.slice(0, at);
  }
  const parts = rest.replace(/^\/+/, '').split('/');
  if (parts.length < 2) return null;
  const type = parts[0]!.toLowerCase();
  const name = decode(parts[parts.length - 1]!);
  if (type === '' || name === null || name === '') return null;
  let namespace: string | null = null;
  if (parts.length > 2) {
    namespace = decode(parts.slice(1, -1).join('/'));
    if (namespace === null) return null;
  }
  return { type, namespace, name, version, qualifiers };
}

/**
 * Upstream shape of an Alpine secdb document: the YAML sources in the
 * alpinelinux/alpine-secdb repository (`v3.11/main.yaml`) and the JSON published at
 * https://secdb.alpinelinux.org/v3.11/main.json, which share one structure.
 */
export interface SecdbDocument {
  /** `v3.11`, or `edge`. */
  distroversion: string;
  /** `main`, `community`. */
  reponame?: string;
  archs?: string[];
  urlprefix?: string;
  apkurl?: string;
  /** Empty documents carry `{}` (JSON) or nothing (YAML) here. */
  packages: SecdbPackage[] | Record<string, never> | null;
}

export interface SecdbPackage {
  pkg: {
    /** Origin (source) package name. */
    name: string;
    /**
     * Fixed version → ids fixed in it. A version of `0` lists issues the package never
     * had in this release. Ids are usually bare CVE ids, sometimes with remarks
     * (`CVE-2018-14468 (FrameRelay)`), companion ids (`CVE-2016-6258 XSA-182`) or only
     * another id (`XSA-207`).
     */
    secfixes?: Record<string, string[]>;
  };
}

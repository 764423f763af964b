import { describe, expect, it } from 'vitest';
import { feedSyncSettingsFromEnv } from './fetch/config.js';
import { baseOverrideEnvName, CATALOG, parseExtraReleases, planSources, type PlannedSource } from './sources.js';

const urls = (s: PlannedSource | undefined): string[] => (s?.fetch.kind === 'files' ? s.fetch.downloads.map((d) => d.url) : []);

describe('planSources', () => {
  it('syncs only NVD, KEV and EPSS for an empty fleet', () => {
    const plan = planSources([]);
    expect(plan.sources.map((s) => s.id)).toEqual(['nvd', 'kev', 'epss']);
    expect(urls(plan.sources[1])).toEqual(['https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json']);
    expect(urls(plan.sources[2])).toEqual(['https://epss.empiricalsecurity.com/epss_scores-current.csv.gz']);
    expect(plan.sources[0]?.fetch).toEqual({ kind: 'nvd-api', endpoint: 'https://services.nvd.nist.gov/rest/json/cves/2.0', apiKey: null, maxBytes: 512 * 1024 ** 2 });
  });

  it('maps every fleet release to its sources and per-release files', () => {
    const plan = planSources([
      { distro: 'almalinux', release: '9.4' },
      { distro: 'rocky', release: '8.10' },
      { distro: 'rhel', release: '8.9' },
      { distro: 'rhel', release: '9.2' },
      { distro: 'centos', release: '7' },
      { distro: 'debian', release: '12' },
      { distro: 'ubuntu', release: '22.04' },
      { distro: 'alpine', release: '3.19.1' },
      { distro: 'alpine', release: '3.21.0_alpha20240807' },
      { distro: 'sles', release: '15.5' },
      { distro: 'opensuse-leap', release: '15.6' },
    ]);
    expect(plan.sources.map((s) => s.id)).toEqual([
      'osv:AlmaLinux', 'osv:Rocky Linux', 'osv:Red Hat', 'osv:Debian', 'osv:Ubuntu', 'osv:Alpine', 'osv:SUSE', 'osv:openSUSE',
      'debian-tracker', 'alpine-secdb', 'redhat-oval', 'nvd', 'kev', 'epss',
    ]);
    const by = new Map(plan.sources.map((s) => [s.id, s]));
    expect(urls(by.get('osv:AlmaLinux'))).toEqual(['https://osv-vulnerabilities.storage.googleapis.com/AlmaLinux/all.zip']);
    expect(urls(by.get('osv:Rocky Linux'))).toEqual(['https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip']);
    expect(urls(by.get('osv:Red Hat'))).toEqual(['https://osv-vulnerabilities.storage.googleapis.com/Red%20Hat/all.zip']);
    expect(urls(by.get('debian-tracker'))).toEqual(['https://security-tracker.debian.org/tracker/data/json']);
    expect(urls(by.get('alpine-secdb'))).toEqual([
      'https://secdb.alpinelinux.org/edge/main.json',
      'https://secdb.alpinelinux.org/edge/community.json',
      'https://secdb.alpinelinux.org/v3.19/main.json',
      'https://secdb.alpinelinux.org/v3.19/community.json',
    ]);
    expect(urls(by.get('redhat-oval'))).toEqual([
      'https://security.access.redhat.com/data/oval/v2/RHEL7/rhel-7.oval.xml.bz2',
      'https://security.access.redhat.com/data/oval/v2/RHEL8/rhel-8.oval.xml.bz2',
      'https://security.access.redhat.com/data/oval/v2/RHEL9/rhel-9.oval.xml.bz2',
    ]);
    expect(by.get('osv:Red Hat')?.neededBy).toEqual(['centos 7', 'rhel 8.9', 'rhel 9.2']);
    expect(plan.notes).toEqual([]);
  });

  it('adds configured extras and notes what it cannot cover', () => {
    const plan = planSources([{ distro: 'fedora', release: '40' }, { distro: 'rhel', release: '10.0' }], { extras: parseExtraReleases('almalinux:9, debian:12') });
    expect(plan.sources.map((s) => s.id)).toEqual(['osv:AlmaLinux', 'osv:Red Hat', 'osv:Debian', 'debian-tracker', 'nvd', 'kev', 'epss']);
    expect(plan.sources[0]?.neededBy).toEqual(['almalinux 9 (extra)']);
    expect(plan.notes).toEqual(['no feed source covers fedora 40', 'Red Hat publishes no OVAL v2 stream for rhel 10.0; only OSV Red Hat data cover it']);
  });

  it('rewrites every base to a mirror, with per-source overrides winning; the NVD key never goes to the generic mirror', () => {
    const env = {
      MAMORI_FEED_MIRROR: 'http://mirror.local/mamori',
      [baseOverrideEnvName('osv:Rocky Linux')]: 'http://rocky-mirror.local/osv',
      [baseOverrideEnvName('kev')]: 'https://kev.internal/feeds/',
      NVD_API_KEY: 'secret',
    };
    expect(baseOverrideEnvName('osv:Rocky Linux')).toBe('MAMORI_FEED_BASE_OSV_ROCKY_LINUX');
    const settings = feedSyncSettingsFromEnv(env);
    const plan = planSources([{ distro: 'rocky', release: '9' }, { distro: 'alpine', release: '3.20.3' }], settings.plan);
    const by = new Map(plan.sources.map((s) => [s.id, s]));
    expect(urls(by.get('osv:Rocky Linux'))).toEqual(['http://rocky-mirror.local/osv/all.zip']);
    expect(by.get('osv:Rocky Linux')?.origin).toBe('override');
    expect(urls(by.get('osv:Alpine'))).toEqual(['http://mirror.local/mamori/osv/Alpine/all.zip']);
    expect(urls(by.get('alpine-secdb'))).toEqual(['http://mirror.local/mamori/alpine-secdb/v3.20/main.json', 'http://mirror.local/mamori/alpine-secdb/v3.20/community.json']);
    expect(urls(by.get('kev'))).toEqual(['https://kev.internal/feeds/known_exploited_vulnerabilities.json']);
    expect(urls(by.get('epss'))).toEqual(['http://mirror.local/mamori/epss/epss_scores-current.csv.gz']);
    expect(by.get('nvd')?.fetch).toMatchObject({ endpoint: 'http://mirror.local/mamori/nvd/2.0', apiKey: null });
    expect(planSources([], { nvdApiKey: 'secret' }).sources[0]?.fetch).toMatchObject({ apiKey: 'secret' });
  });

  it('rejects malformed settings', () => {
    expect(() => parseExtraReleases('almalinux')).toThrow(/not distro:release/);
    expect(() => feedSyncSettingsFromEnv({ MAMORI_FEED_MIRROR: 'ftp://mirror' })).toThrow(/http or https/);
    expect(() => feedSyncSettingsFromEnv({ MAMORI_FEED_MAX_DOWNLOAD_MB: '-1' })).toThrow(/positive/);
    expect(feedSyncSettingsFromEnv({ https_proxy: 'http://p:3128', HTTPS_PROXY: 'http://q:3128', NO_PROXY: 'localhost' }).proxy).toEqual({
      httpProxy: '',
      httpsProxy: 'http://p:3128',
      noProxy: 'localhost',
    });
  });

  it('has unique ids and https upstreams', () => {
    expect(new Set(CATALOG.map((c) => c.id)).size).toBe(CATALOG.length);
    for (const c of CATALOG) expect(c.defaultBase).toMatch(/^https:\/\/.+\/$/);
  });
});

import { describe, expect, it } from 'vitest';
import { mapEcosystem } from './ecosystem.js';

describe('mapEcosystem', () => {
  it.each([
    ['AlmaLinux:8', 'almalinux', '8', null, 'rpm'],
    ['AlmaLinux:10', 'almalinux', '10', null, 'rpm'],
    ['Rocky Linux:9', 'rocky', '9', null, 'rpm'],
    ['Red Hat:enterprise_linux:9::appstream', 'rhel', '9', null, 'rpm'],
    ['Red Hat:enterprise_linux:8::crb', 'rhel', '8', null, 'rpm'],
    ['Red Hat:rhel_aus:8.6::appstream', 'rhel', '8', 'aus:8.6', 'rpm'],
    ['Red Hat:rhel_e4s:8.6::appstream', 'rhel', '8', 'e4s:8.6', 'rpm'],
    ['Red Hat:rhel_eus:9.2::baseos', 'rhel', '9', 'eus:9.2', 'rpm'],
    ['Red Hat:rhel_els:7', 'rhel', '7', 'els', 'rpm'],
    ['Debian:12', 'debian', '12', null, 'dpkg'],
    ['Debian:3.1', 'debian', '3.1', null, 'dpkg'],
    ['Debian:sid', 'debian', 'sid', null, 'dpkg'],
    ['Ubuntu:22.04:LTS', 'ubuntu', '22.04', null, 'dpkg'],
    ['Ubuntu:25.10', 'ubuntu', '25.10', null, 'dpkg'],
    ['Ubuntu:Pro:16.04:LTS', 'ubuntu', '16.04', 'pro', 'dpkg'],
    ['Ubuntu:Pro:FIPS:16.04:LTS', 'ubuntu', '16.04', 'pro:fips', 'dpkg'],
    ['Ubuntu:Pro:FIPS-updates:22.04:LTS', 'ubuntu', '22.04', 'pro:fips-updates', 'dpkg'],
    ['Ubuntu:Pro:FIPS-preview:22.04:LTS', 'ubuntu', '22.04', 'pro:fips-preview', 'dpkg'],
    ['Ubuntu:Pro:22.04:LTS:Realtime:Kernel', 'ubuntu', '22.04', 'pro:realtime-kernel', 'dpkg'],
    ['Ubuntu:Nvidia-BlueField:24.04:LTS', 'ubuntu', '24.04', 'nvidia-bluefield', 'dpkg'],
    ['Alpine:v3.19', 'alpine', '3.19', null, 'apk'],
    ['Alpine:edge', 'alpine', 'edge', null, 'apk'],
    ['SUSE:Linux Enterprise Server 15 SP5', 'sles', '15.5', null, 'rpm'],
    ['SUSE:Linux Enterprise Server 12', 'sles', '12', null, 'rpm'],
    ['SUSE:Linux Enterprise Server 15 SP6-LTSS', 'sles', '15.6', 'ltss', 'rpm'],
    ['SUSE:Linux Enterprise Server for SAP Applications 15 SP5', 'sles_sap', '15.5', null, 'rpm'],
    ['SUSE:Linux Enterprise Desktop 15 SP5', 'sled', '15.5', null, 'rpm'],
    ['SUSE:Linux Enterprise High Performance Computing 15 SP5-ESPOS', 'sle_hpc', '15.5', 'espos', 'rpm'],
    ['SUSE:Linux Enterprise Micro 5.5', 'sle-micro', '5.5', null, 'rpm'],
    ['SUSE:Linux Enterprise Module for Basesystem 15 SP7', 'sles', '15.7', 'module-basesystem', 'rpm'],
    ['SUSE:Linux Enterprise Workstation Extension 15 SP5', 'sles', '15.5', 'workstation-extension', 'rpm'],
    ['openSUSE:Leap 15.5', 'opensuse-leap', '15.5', null, 'rpm'],
    ['openSUSE:Leap 15.5 NonFree', 'opensuse-leap', '15.5', 'nonfree', 'rpm'],
    ['openSUSE:Leap Micro 5.5', 'opensuse-leap-micro', '5.5', null, 'rpm'],
    ['openSUSE:Tumbleweed', 'opensuse-tumbleweed', 'rolling', null, 'rpm'],
  ])('%s → %s %s %s', (ecosystem, distro, release, channel, scheme) => {
    expect(mapEcosystem(ecosystem)).toMatchObject({ distro, release, channel, scheme });
  });

  it.each([
    'AlmaLinux',
    'Debian',
    'Debian:bookworm',
    'Ubuntu:LTS',
    'Alpine:3.19',
    'Red Hat:openshift:4.14::el9',
    'Red Hat:rhel_software_collections:3::el7',
    'SUSE:SUSE Manager Server 4.3',
    'npm',
    'PyPI',
    'Go',
    '',
  ])('%s is not a distribution release we key', (ecosystem) => {
    expect(mapEcosystem(ecosystem)).toBeNull();
  });
});

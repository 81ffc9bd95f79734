// The camera network rules as pure functions: address and CIDR parsing, IPv4-mapped IPv6, the
// defaults, the settings (most specific rule wins) and Vigil's own endpoints.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DENIED_NETWORKS,
  checkAddress,
  contains,
  createNetworkRules,
  describeRefusal,
  formatIp,
  normalizeIp,
  parseIp,
  parseNetwork,
  parseNetworkList,
} from './source-network.js';
import type { AddressContext, NetworkSettings, ResolvedEndpoint } from './source-network.js';

const bytes = (text: string) => {
  const parsed = parseIp(text);
  if (!parsed) throw new Error(`not an address: ${text}`);
  return parsed;
};

describe('addresses', () => {
  it('reads IPv4 as IPv4-mapped IPv6, so both spellings are one address', () => {
    expect([...bytes('169.254.169.254')]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 169, 254, 169, 254]);
    for (const spelling of ['::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '[::ffff:a9fe:a9fe]', '0:0:0:0:0:FFFF:A9FE:A9FE']) {
      expect(bytes(spelling), spelling).toEqual(bytes('169.254.169.254'));
    }
  });

  it('reads IPv6 in every form: compressed, full, with brackets, with a zone', () => {
    expect(bytes('fe80::1%eth0')).toEqual(bytes('fe80:0:0:0:0:0:0:1'));
    expect(bytes('[::1]')).toEqual(bytes('0:0:0:0:0:0:0:1'));
    expect(bytes('::')).toEqual(new Uint8Array(16));
    expect(bytes('fd00:ec2::254')).toEqual(bytes('fd00:0ec2:0000:0000:0000:0000:0000:0254'));
    expect(bytes('1::')).toEqual(bytes('1:0:0:0:0:0:0:0'));
  });

  it('refuses what is not an address: names, short or odd IPv4 forms, garbage', () => {
    for (const text of ['example.com', '1.2.3', '0x7f.0.0.1', '2130706433', '256.1.1.1', '1.2.3.4.5', 'fe80:::1', '', '::g']) {
      expect(parseIp(text), text).toBeUndefined();
    }
  });

  it('writes addresses back normalised: mapped IPv4 dotted, IPv6 compressed at its longest zero run', () => {
    expect(normalizeIp('::ffff:a9fe:a9fe')).toBe('169.254.169.254');
    expect(normalizeIp('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(normalizeIp('::')).toBe('::');
    expect(normalizeIp('FD00:EC2:0:0:0:0:0:254')).toBe('fd00:ec2::254');
    expect(normalizeIp('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    expect(normalizeIp('1:2:3:4:5:6:7:8')).toBe('1:2:3:4:5:6:7:8');
    expect(normalizeIp('1:0:2:3:4:5:6:7')).toBe('1:0:2:3:4:5:6:7');
    expect(formatIp(bytes('10.0.0.1'))).toBe('10.0.0.1');
    expect(normalizeIp('nope')).toBeUndefined();
  });
});

describe('networks', () => {
  it('reads CIDR networks and single addresses', () => {
    expect(parseNetwork('10.0.0.0/8')).toMatchObject({ prefix: 104, text: '10.0.0.0/8' });
    expect(parseNetwork('192.168.1.7')).toMatchObject({ prefix: 128 });
    expect(parseNetwork('fd00::/8')).toMatchObject({ prefix: 8 });
    expect(parseNetwork('::/0')).toMatchObject({ prefix: 0 });
    expect(parseNetwork('0.0.0.0/0')).toMatchObject({ prefix: 96 });
    expect(parseNetwork(' 172.16.0.0/12 ')).toMatchObject({ prefix: 108, text: '172.16.0.0/12' });
  });

  it('refuses networks with bits after the prefix, prefixes out of range, and anything else', () => {
    for (const text of [
      '10.0.0.1/8',
      '10.0.0.0/33',
      'fd00::/129',
      'fd00::1/64',
      '10.0.0.0/',
      '/8',
      'cam.local/24',
      '[::1]/128',
      'fe80::/10%eth0',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
    ]) {
      expect(parseNetwork(text), text).toBeUndefined();
    }
  });

  it('matches addresses inside a network, on any bit boundary, IPv4 and IPv6 alike', () => {
    const net = (t: string) => parseNetwork(t)!;
    expect(contains(net('10.0.0.0/8'), bytes('10.255.1.2'))).toBe(true);
    expect(contains(net('10.0.0.0/8'), bytes('11.0.0.0'))).toBe(false);
    expect(contains(net('172.16.0.0/12'), bytes('172.31.255.255'))).toBe(true);
    expect(contains(net('172.16.0.0/12'), bytes('172.32.0.0'))).toBe(false);
    expect(contains(net('fe80::/10'), bytes('febf::1'))).toBe(true);
    expect(contains(net('fe80::/10'), bytes('fec0::1'))).toBe(false);
    expect(contains(net('::ffff:0:0/96'), bytes('8.8.8.8'))).toBe(true);
    expect(contains(net('::/0'), bytes('8.8.8.8'))).toBe(true);
    expect(contains(net('169.254.169.254'), bytes('::ffff:a9fe:a9fe'))).toBe(true);
  });

  it('reads a comma-separated list and names the items that are not networks', () => {
    expect(parseNetworkList('10.0.0.0/8, fd00::/8,,192.168.1.7')).toMatchObject({
      networks: [{ text: '10.0.0.0/8' }, { text: 'fd00::/8' }, { text: '192.168.1.7' }],
      invalid: [],
    });
    expect(parseNetworkList('10.0.0.0/8,10.0.0.1/8,cams').invalid).toEqual(['10.0.0.1/8', 'cams']);
  });
});

describe('network rules', () => {
  const verdict = (address: string, settings?: NetworkSettings) =>
    createNetworkRules(settings).refusal(bytes(address))?.reason ?? 'allowed';

  it('refuses link-local, cloud metadata, unspecified, multicast and broadcast addresses by default, in every spelling', () => {
    const cases: [string, string][] = [
      ['169.254.169.254', 'cloud-metadata'],
      ['::ffff:169.254.169.254', 'cloud-metadata'],
      ['::ffff:a9fe:a9fe', 'cloud-metadata'],
      ['169.254.170.2', 'cloud-metadata'],
      ['fd00:ec2::254', 'cloud-metadata'],
      ['fd20:ce::254', 'cloud-metadata'],
      ['100.100.100.200', 'cloud-metadata'],
      ['168.63.129.16', 'cloud-metadata'],
      ['169.254.0.1', 'link-local'],
      ['169.254.255.255', 'link-local'],
      ['fe80::1', 'link-local'],
      ['febf:ffff::1', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['0.1.2.3', 'unspecified'],
      ['::', 'unspecified'],
      ['::ffff:0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['ff02::1', 'multicast'],
      ['255.255.255.255', 'broadcast'],
    ];
    for (const [address, reason] of cases) expect(verdict(address), address).toBe(reason);
  });

  it('allows everything else by default: private networks, loopback, CGNAT, public addresses', () => {
    for (const address of [
      '10.0.0.5',
      '172.16.0.1',
      '192.168.1.10',
      '127.0.0.1',
      '127.9.9.9',
      '::1',
      'fd12:3456::1',
      '100.64.0.1',
      '8.8.8.8',
      '2001:db8::1',
      '::ffff:10.0.0.5',
      '169.253.255.255',
      '169.255.0.0',
      '254.255.255.255',
    ]) {
      expect(verdict(address), address).toBe('allowed');
    }
  });

  it('denies listed networks on top of the defaults, IPv4 through its mapped form as well', () => {
    expect(verdict('10.1.2.3', { deny: ['10.0.0.0/8'] })).toBe('denied-network');
    expect(verdict('::ffff:10.1.2.3', { deny: ['10.0.0.0/8'] })).toBe('denied-network');
    expect(verdict('11.0.0.1', { deny: ['10.0.0.0/8'] })).toBe('allowed');
    expect(verdict('127.0.0.1', { deny: ['127.0.0.0/8', '::1'] })).toBe('denied-network');
    expect(verdict('::1', { deny: ['127.0.0.0/8', '::1'] })).toBe('denied-network');
    expect(verdict('8.8.8.8', { deny: ['::ffff:0:0/96'] })).toBe('denied-network');
  });

  it('lets the most specific rule decide: an allowed subnet inside a denied network stays allowed', () => {
    const settings = { deny: ['10.0.0.0/8'], allow: ['10.20.0.0/16'] };
    expect(verdict('10.20.3.4', settings)).toBe('allowed');
    expect(verdict('10.21.3.4', settings)).toBe('denied-network');
    const onlyCameras = { deny: ['0.0.0.0/0', '::/0'], allow: ['192.168.50.0/24'] };
    expect(verdict('192.168.50.7', onlyCameras)).toBe('allowed');
    expect(verdict('192.168.51.7', onlyCameras)).toBe('denied-network');
    expect(verdict('fd00::1', onlyCameras)).toBe('denied-network');
  });

  it('re-opens a default-denied range when allowed, but not a more specific default inside it', () => {
    const settings = { allow: ['169.254.0.0/16'] };
    expect(verdict('169.254.10.20', settings)).toBe('allowed');
    expect(verdict('169.254.169.254', settings)).toBe('cloud-metadata');
    expect(verdict('169.254.169.254', { allow: ['169.254.169.254/32'] })).toBe('allowed');
    expect(verdict('fe80::1', { allow: ['fe80::/10'] })).toBe('allowed');
  });

  it('at equal length, a deny beats an allow, and a setting beats a default', () => {
    expect(verdict('10.1.1.1', { allow: ['10.0.0.0/8'], deny: ['10.0.0.0/8'] })).toBe('denied-network');
    expect(verdict('169.254.169.254', { allow: ['169.254.169.254'], deny: ['169.254.169.254'] })).toBe('denied-network');
    expect(verdict('224.0.0.1', { allow: ['224.0.0.0/4'] })).toBe('allowed');
  });

  it('keeps the defaults well-formed', () => {
    for (const { network } of DEFAULT_DENIED_NETWORKS) expect(parseNetwork(network), network).toBeDefined();
    expect(() => createNetworkRules({ deny: ['10.0.0.1/8'] })).toThrow(/not a network/);
  });
});

describe('checkAddress', () => {
  const context = (
    endpoints: ResolvedEndpoint[],
    settings?: NetworkSettings,
    localAddresses = ['127.0.0.1', '::1', '192.168.1.20', 'fe80::abcd'],
  ): AddressContext => ({
    rules: createNetworkRules(settings),
    endpoints,
    localAddresses,
  });
  const reason = (address: string, port: number, ctx: AddressContext) => checkAddress(address, port, ctx)?.reason ?? 'allowed';

  it("refuses Vigil's own port on every address of this machine, and nothing else on it", () => {
    const ctx = context([{ port: 8080, addresses: 'local' }]);
    for (const address of ['127.0.0.1', '127.0.0.5', '::1', '::ffff:127.0.0.1', '0.0.0.0', '::', '192.168.1.20']) {
      expect(reason(address, 8080, ctx), address).toBe('vigil-endpoint');
    }
    expect(reason('192.168.1.21', 8080, ctx)).toBe('allowed');
    expect(reason('127.0.0.1', 8081, ctx)).toBe('allowed');
  });

  it('refuses a remote database or Redis at its address and port only', () => {
    const ctx = context([
      { port: 5432, addresses: ['10.0.0.5'] },
      { port: 6379, addresses: ['fd00::6'] },
    ]);
    expect(reason('10.0.0.5', 5432, ctx)).toBe('vigil-endpoint');
    expect(reason('::ffff:10.0.0.5', 5432, ctx)).toBe('vigil-endpoint');
    expect(reason('fd00:0::6', 6379, ctx)).toBe('vigil-endpoint');
    expect(reason('10.0.0.6', 5432, ctx)).toBe('allowed');
    expect(reason('10.0.0.5', 5433, ctx)).toBe('allowed');
    expect(reason('127.0.0.1', 5432, ctx)).toBe('allowed');
  });

  it('treats a database on this machine (localhost) as reachable through any local address', () => {
    const ctx = context([{ port: 5432, addresses: ['127.0.0.1', '::1'] }]);
    for (const address of ['127.0.0.1', '127.0.0.2', '::1', '192.168.1.20', '0.0.0.0']) {
      expect(reason(address, 5432, ctx), address).toBe('vigil-endpoint');
    }
    expect(reason('192.168.1.30', 5432, ctx)).toBe('allowed');
  });

  it("keeps Vigil's endpoints refused whatever the settings allow", () => {
    const ctx = context([{ port: 8080, addresses: 'local' }], { allow: ['0.0.0.0/0', '::/0'] });
    expect(reason('127.0.0.1', 8080, ctx)).toBe('vigil-endpoint');
    expect(reason('169.254.169.254', 80, ctx)).toBe('cloud-metadata');
  });

  it('refuses what is not an address rather than guessing', () => {
    expect(reason('cam.local', 80, context([]))).toBe('unspecified');
  });

  it('describes a refusal with the address and port, never which of Vigil’s services it is', () => {
    expect(describeRefusal(checkAddress('::ffff:a9fe:a9fe', 80, context([]))!)).toBe('169.254.169.254:80 is a cloud metadata service');
    expect(describeRefusal(checkAddress('fe80::1', 554, context([]))!)).toBe(
      '[fe80::1]:554 is a link-local address (169.254.0.0/16, fe80::/10)',
    );
    expect(describeRefusal(checkAddress('10.1.1.1', 80, context([], { deny: ['10.0.0.0/8'] }))!)).toBe(
      '10.1.1.1:80 is a network listed in VIGIL_CAMERA_DENY_NETWORKS (10.0.0.0/8)',
    );
    expect(describeRefusal(checkAddress('127.0.0.1', 5432, context([{ port: 5432, addresses: ['127.0.0.1'] }]))!)).toBe(
      "127.0.0.1:5432 is one of Vigil's own services (its HTTP or metrics port, its database or Redis)",
    );
  });
});

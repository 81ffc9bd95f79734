// Which network addresses a camera source may reach: pure rules, no I/O.
//
// Addresses are compared as 16 bytes, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so that
// `::ffff:169.254.169.254` and `169.254.169.254` are one address. A network is refused or allowed
// by the most specific rule that contains the address (the longest prefix); at equal length a
// setting beats a default, and a deny beats an allow. No rule: allowed (private networks, where
// cameras live, and loopback, where restreamers such as go2rtc or MediaMTX listen).
//
// Apart from the networks, the endpoints of Vigil itself (its HTTP and metrics ports, its database
// and Redis) are refused whatever the settings say.
import { isIP } from 'node:net';

export type RefusalReason =
  'unspecified' | 'link-local' | 'cloud-metadata' | 'multicast' | 'broadcast' | 'denied-network' | 'vigil-endpoint';

/** A network in 16-byte form: IPv4 prefixes are counted from 96 (after ::ffff:). */
export interface Network {
  bytes: Uint8Array;
  prefix: number;
  /** As written. */
  text: string;
}

export interface Refusal {
  reason: RefusalReason;
  /** The address refused, normalised (IPv4-mapped IPv6 written as IPv4). */
  address: string;
  port: number;
  /** The rule's network, for a network rule. */
  network?: string;
}

interface Rule {
  network: Network;
  allow: boolean;
  fromSetting: boolean;
  reason: RefusalReason;
}

/** Refused unless a setting allows them (or a more specific part of them). */
export const DEFAULT_DENIED_NETWORKS: readonly { network: string; reason: RefusalReason }[] = [
  // 0.0.0.0 reaches the local host on Linux; the rest of 0/8 is "this network".
  { network: '0.0.0.0/8', reason: 'unspecified' },
  { network: '::/128', reason: 'unspecified' },
  { network: '169.254.0.0/16', reason: 'link-local' },
  { network: 'fe80::/10', reason: 'link-local' },
  // AWS, Azure, GCP, Oracle, DigitalOcean (metadata.google.internal is this address too).
  { network: '169.254.169.254/32', reason: 'cloud-metadata' },
  // AWS ECS task metadata and credentials.
  { network: '169.254.170.2/32', reason: 'cloud-metadata' },
  // AWS over IPv6 (Nitro).
  { network: 'fd00:ec2::254/128', reason: 'cloud-metadata' },
  // GCP over IPv6.
  { network: 'fd20:ce::254/128', reason: 'cloud-metadata' },
  // Alibaba Cloud.
  { network: '100.100.100.200/32', reason: 'cloud-metadata' },
  // Azure's WireServer (host platform endpoint).
  { network: '168.63.129.16/32', reason: 'cloud-metadata' },
  { network: '224.0.0.0/4', reason: 'multicast' },
  { network: 'ff00::/8', reason: 'multicast' },
  { network: '255.255.255.255/32', reason: 'broadcast' },
];

/** What each reason says to a person. */
export const REFUSAL_TEXT: Record<RefusalReason, string> = {
  unspecified: 'an unspecified address (0.0.0.0/8 or ::)',
  'link-local': 'a link-local address (169.254.0.0/16, fe80::/10)',
  'cloud-metadata': 'a cloud metadata service',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  'denied-network': 'a network listed in VIGIL_CAMERA_DENY_NETWORKS',
  'vigil-endpoint': "one of Vigil's own services (its HTTP or metrics port, its database or Redis)",
};

/** An IP address as 16 bytes (IPv4 mapped into IPv6), or undefined when `text` is not one. */
export function parseIp(text: string): Uint8Array | undefined {
  let value = text.trim();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  const zone = value.indexOf('%');
  if (zone >= 0) value = value.slice(0, zone);
  const kind = isIP(value);
  const bytes = new Uint8Array(16);
  if (kind === 4) {
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    value.split('.').forEach((part, i) => (bytes[12 + i] = Number(part)));
    return bytes;
  }
  if (kind !== 6) return undefined;
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const v4 = group.split('.').map(Number);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else out.push(Number.parseInt(group, 16));
    }
    return out;
  };
  const gap = value.indexOf('::');
  const head = groups(gap < 0 ? value : value.slice(0, gap));
  const tail = gap < 0 ? [] : groups(value.slice(gap + 2));
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

const isMapped = (bytes: Uint8Array) => bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;

/** An address as text: IPv4 (also for IPv4-mapped IPv6) dotted, IPv6 in its compressed form. */
export function formatIp(bytes: Uint8Array): string {
  if (isMapped(bytes)) return bytes.subarray(12).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  // The longest run of two or more zero groups becomes "::".
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

/** The normalised text of an address (`::ffff:a9fe:a9fe` → `169.254.169.254`), or undefined. */
export function normalizeIp(text: string): string | undefined {
  const bytes = parseIp(text);
  return bytes === undefined ? undefined : formatIp(bytes);
}

/**
 * A network in CIDR form (`10.0.0.0/8`, `fd00::/8`) or a single address; undefined when it is
 * neither, or when it has bits set after its prefix (`10.0.0.1/8`: a typo more often than not).
 */
export function parseNetwork(text: string): Network | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash < 0 ? trimmed : trimmed.slice(0, slash);
  if (address.startsWith('[')) return undefined;
  const bytes = parseIp(address);
  if (bytes === undefined || address.includes('%')) return undefined;
  const v4 = isIP(address) === 4;
  const width = v4 ? 32 : 128;
  let length = width;
  if (slash >= 0) {
    const digits = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(digits) || Number(digits) > width) return undefined;
    length = Number(digits);
  }
  const prefix = v4 ? 96 + length : length;
  for (let bit = prefix; bit < 128; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) return undefined;
  }
  return { bytes, prefix, text: trimmed };
}

/** Whether `bytes` (an address) lies in `network`. */
export function contains(network: Network, bytes: Uint8Array): boolean {
  const whole = network.prefix >> 3;
  for (let i = 0; i < whole; i++) if (network.bytes[i] !== bytes[i]) return false;
  const rest = network.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (network.bytes[whole]! & mask) === (bytes[whole]! & mask);
}

/** A comma-separated list of networks as settings write them; the ones that are not networks under `invalid`. */
export function parseNetworkList(text: string): { networks: Network[]; invalid: string[] } {
  const networks: Network[] = [];
  const invalid: string[] = [];
  for (const item of text
    .split(',')
    .map((i) => i.trim())
    .filter(Boolean)) {
    const network = parseNetwork(item);
    if (network) networks.push(network);
    else invalid.push(item);
  }
  return { networks, invalid };
}

export interface NetworkSettings {
  /** Networks allowed even where a default refuses them (VIGIL_CAMERA_ALLOW_NETWORKS). */
  allow?: readonly string[];
  /** Networks refused (VIGIL_CAMERA_DENY_NETWORKS). */
  deny?: readonly string[];
}

export interface NetworkRules {
  /** The refusal of an address by the network rules, or undefined when they allow it. */
  refusal(address: Uint8Array): { reason: RefusalReason; network: string } | undefined;
}

function required(text: string): Network {
  const network = parseNetwork(text);
  if (!network) throw new Error(`not a network: ${JSON.stringify(text)}`);
  return network;
}

/** The rules from the defaults and the settings (each must be a network: config.ts checks them at start-up). */
export function createNetworkRules(settings: NetworkSettings = {}): NetworkRules {
  const rules: Rule[] = [
    ...(settings.deny ?? []).map((t) => ({ network: required(t), allow: false, fromSetting: true, reason: 'denied-network' as const })),
    ...(settings.allow ?? []).map((t) => ({ network: required(t), allow: true, fromSetting: true, reason: 'denied-network' as const })),
    ...DEFAULT_DENIED_NETWORKS.map((d) => ({ network: required(d.network), allow: false, fromSetting: false, reason: d.reason })),
  ];
  // Most specific first; at equal length settings before defaults, denies before allows.
  const rank = (r: Rule) => (r.fromSetting ? 0 : 2) + (r.allow ? 1 : 0);
  rules.sort((a, b) => b.network.prefix - a.network.prefix || rank(a) - rank(b));
  return {
    refusal(address) {
      const rule = rules.find((r) => contains(r.network, address));
      if (rule === undefined || rule.allow) return undefined;
      return { reason: rule.reason, network: rule.network.text };
    },
  };
}

const LOOPBACK_V4 = required('127.0.0.0/8');
const LOOPBACK_V6 = required('::1/128');
const UNSPECIFIED_V4 = required('0.0.0.0/8');
const UNSPECIFIED_V6 = required('::/128');

/** Whether an address reaches this machine: loopback, unspecified, or one of its interfaces' addresses. */
export function isLocal(address: Uint8Array, localAddresses: readonly string[]): boolean {
  if ([LOOPBACK_V4, LOOPBACK_V6, UNSPECIFIED_V4, UNSPECIFIED_V6].some((n) => contains(n, address))) return true;
  return localAddresses.some((local) => {
    const bytes = parseIp(local);
    return bytes !== undefined && equal(bytes, address);
  });
}

const equal = (a: Uint8Array, b: Uint8Array) => a.every((byte, i) => byte === b[i]);

/** An endpoint of Vigil itself, with its host resolved: `local` for one on this machine (any of its addresses). */
export interface ResolvedEndpoint {
  port: number;
  addresses: readonly string[] | 'local';
}

export interface AddressContext {
  rules: NetworkRules;
  /** Vigil's own endpoints (only those on the port being checked matter). */
  endpoints: readonly ResolvedEndpoint[];
  /** This machine's interface addresses. */
  localAddresses: readonly string[];
}

/** Why a connection to `address`:`port` is refused, or undefined when it is allowed. */
export function checkAddress(address: string, port: number, context: AddressContext): Refusal | undefined {
  const bytes = parseIp(address);
  // A resolver answers addresses; anything else is refused rather than guessed at.
  if (bytes === undefined) return { reason: 'unspecified', address, port };
  const shown = formatIp(bytes);
  const local = isLocal(bytes, context.localAddresses);
  for (const endpoint of context.endpoints) {
    if (endpoint.port !== port) continue;
    // An endpoint on this machine is reached through any local address (a server bound to 0.0.0.0).
    const hit =
      endpoint.addresses === 'local'
        ? local
        : endpoint.addresses.some((a) => {
            const other = parseIp(a);
            return other !== undefined && (equal(other, bytes) || (local && isLocal(other, context.localAddresses)));
          });
    if (hit) return { reason: 'vigil-endpoint', address: shown, port };
  }
  const refused = context.rules.refusal(bytes);
  return refused ? { reason: refused.reason, address: shown, port, network: refused.network } : undefined;
}

/** A refusal as a sentence. */
export function describeRefusal(refusal: Refusal): string {
  const at = refusal.address.includes(':') ? `[${refusal.address}]:${refusal.port}` : `${refusal.address}:${refusal.port}`;
  const network = refusal.reason === 'denied-network' && refusal.network ? ` (${refusal.network})` : '';
  return `${at} is ${REFUSAL_TEXT[refusal.reason]}${network}`;
}

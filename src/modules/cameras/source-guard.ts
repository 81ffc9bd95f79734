// Camera sources meet the network rules (source-network.ts) here. Vigil resolves a source's host
// itself (the resolver is a dependency: dns.lookup with all: true, a stub in tests), checks every
// address the name resolves to, and connects to the address it checked, so a second lookup cannot
// answer differently. Checked before every connection, reconnects included.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { NetworkRules, Refusal, ResolvedEndpoint } from './source-network.js';
import { checkAddress, createNetworkRules } from './source-network.js';

/** The addresses a host name resolves to, in the order to try them. */
export type Resolver = (hostname: string) => Promise<readonly { address: string; family?: number }[]>;

export const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true });

/** An endpoint of Vigil itself that no camera source may reach. */
export interface ProtectedEndpoint {
  /** Its host name or address; none: this machine, on any of its addresses. */
  host?: string;
  port: number;
}

/** Where to connect: a checked address, with the port. */
export interface SourceTarget {
  address: string;
  family: 4 | 6;
  port: number;
}

export type TargetResult =
  | { kind: 'allowed'; target: SourceTarget }
  | { kind: 'refused'; refusal: Refusal }
  /** The host name does not resolve (or to nothing). */
  | { kind: 'unresolved' };

export interface SourceGuardOptions {
  /** Default: the default rules alone. */
  rules?: NetworkRules;
  resolve?: Resolver;
  /** Vigil's own endpoints, read at every check (the HTTP port is known once the server listens). */
  endpoints?: () => readonly ProtectedEndpoint[];
  /** This machine's addresses; default: its network interfaces'. */
  localAddresses?: () => readonly string[];
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'rtsp:': 554 };

/** The port a source URL connects to. */
export function portOf(url: URL): number {
  return url.port ? Number(url.port) : (DEFAULT_PORTS[url.protocol] ?? 0);
}

/** A URL's host without the brackets of an IPv6 literal. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * The address a URL's host is, or undefined for a name. An rtsp:// host in another IPv4 notation
 * (`0251.0376.0251.0376`, `2852039166`) is left as written by the URL parser (not a special
 * scheme), but the system's resolver reads it as an address: it is read the way http:// reads it.
 */
export function literalOf(url: URL): string | undefined {
  const host = hostOf(url);
  if (isIP(host) !== 0) return host;
  if (!/^[0-9a-fx.]+$/i.test(host)) return undefined;
  try {
    const read = new URL(`http://${host}/`).hostname;
    return isIP(read) === 4 ? read : undefined;
  } catch {
    return undefined;
  }
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

export function createSourceGuard(options: SourceGuardOptions = {}) {
  const rules = options.rules ?? createNetworkRules();
  const resolve = options.resolve ?? systemResolver;
  const localAddresses = options.localAddresses ?? interfaceAddresses;

  /** Vigil's endpoints on `port`, their names resolved (only when a source is on that port). */
  async function endpointsOn(port: number): Promise<ResolvedEndpoint[]> {
    const found: ResolvedEndpoint[] = [];
    for (const endpoint of options.endpoints?.() ?? []) {
      if (endpoint.port !== port) continue;
      const host = endpoint.host?.replace(/^\[|\]$/g, '');
      if (host === undefined || host === '') found.push({ port, addresses: 'local' });
      else if (isIP(host) !== 0) found.push({ port, addresses: [host] });
      else {
        try {
          found.push({ port, addresses: (await resolve(host)).map((a) => a.address) });
        } catch {
          // A name that does not resolve is no endpoint anything can reach.
        }
      }
    }
    return found;
  }

  async function check(address: string, port: number): Promise<Refusal | undefined> {
    return checkAddress(address, port, { rules, endpoints: await endpointsOn(port), localAddresses: localAddresses() });
  }

  return {
    /**
     * The refusal of a source whose host is an address (checked when a camera is created or
     * changed); undefined when it is allowed or names a host, which is checked once resolved.
     */
    async literal(url: URL): Promise<Refusal | undefined> {
      const address = literalOf(url);
      return address === undefined ? undefined : check(address, portOf(url));
    },

    /** Resolves the source's host and checks every address: all must be allowed; the first is the target. */
    async target(url: URL): Promise<TargetResult> {
      const host = hostOf(url);
      const port = portOf(url);
      const literal = literalOf(url);
      let addresses: readonly { address: string }[];
      if (literal !== undefined) addresses = [{ address: literal }];
      else {
        try {
          addresses = await resolve(host);
        } catch {
          return { kind: 'unresolved' };
        }
      }
      if (addresses.length === 0) return { kind: 'unresolved' };
      for (const { address } of addresses) {
        const refusal = await check(address, port);
        if (refusal) return { kind: 'refused', refusal };
      }
      const address = addresses[0]!.address;
      return { kind: 'allowed', target: { address, family: isIP(address) === 6 ? 6 : 4, port } };
    },
  };
}

export type SourceGuard = ReturnType<typeof createSourceGuard>;

import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Why a webhook may not go to this address, or null when it may: only public unicast
 * addresses are reached unless private ones are allowed (STRATA_WEBHOOK_ALLOW_PRIVATE), so a
 * key that may register endpoints cannot make Strata call into its own network (SSRF).
 */
export function refusedAddress(address: string, allowPrivate: boolean): string | null {
  if (allowPrivate) return null;
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? null : `${address} is a ${range} address, not a public one (set STRATA_WEBHOOK_ALLOW_PRIVATE to allow it)`;
}

/** What is wrong with a webhook URL as written: its scheme, credentials in it, or a literal address refused. */
export function urlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL (https://…)';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http:// or https:// URL';
  if (url.username || url.password) return 'must not hold credentials: receivers verify the signature instead';
  if (url.hash) return 'must not have a fragment (#…)';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host)) return refusedAddress(host, allowPrivate);
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) return `${host} is a loopback name (set STRATA_WEBHOOK_ALLOW_PRIVATE to allow it)`;
  return null;
}

/**
 * A DNS lookup for outgoing webhook calls that fails when a name resolves to a refused
 * address: checked on every connection, so a name that resolved to a public address when
 * the endpoint was saved cannot be pointed inward later (DNS rebinding).
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.map((a) => refusedAddress(a.address, allowPrivate)).find((r) => r !== null);
      if (refused) return callback(Object.assign(new Error(`refused: ${hostname} resolves to ${refused}`), { code: 'EREFUSEDADDRESS' }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

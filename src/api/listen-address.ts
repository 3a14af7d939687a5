/**
 * Where `onecode serve --http` listens: `HOST:PORT` (`127.0.0.1:7373`, `[::1]:7373`,
 * `localhost:7373`), `:PORT` or `PORT` for the loopback address, or nothing for
 * {@link DEFAULT_HTTP_ADDRESS}.
 *
 * Loopback only unless asked: the API carries bearer tokens and (for stewards) personal values in
 * clear, and serve speaks plain HTTP. A host that is not a loopback address (127.0.0.0/8, ::1,
 * `localhost`) is refused unless `--http-public` says that the network between clients and serve
 * is trusted or a TLS-terminating proxy stands in front.
 */
import { isIP } from 'node:net';
import { ConfigError } from '../errors.ts';

/** A parsed listen address. */
export interface ListenAddress {
  /** A host name or IP address, without brackets. */
  host: string;
  /** 0 to 65535; 0 lets the system choose a free port. */
  port: number;
}

/** The default host and port of `--http` given without a value. */
export const DEFAULT_HTTP_ADDRESS: ListenAddress = { host: '127.0.0.1', port: 7373 };

/**
 * Parses `--http`'s value (true: given without one).
 * @throws ConfigError `http_address_invalid` for anything but the forms above,
 *   `http_not_loopback` for a host that is not loopback without `allowPublic`.
 */
export function parseListenAddress(value: string | true, options: { allowPublic?: boolean } = {}): ListenAddress {
  const address = value === true ? DEFAULT_HTTP_ADDRESS : splitAddress(value.trim());
  if (!options.allowPublic && !isLoopback(address.host)) {
    throw new ConfigError('http_not_loopback', `--http ${value}: ${address.host} is not a loopback address; serve speaks plain HTTP and the API carries tokens and personal values: put a TLS proxy in front and pass --http-public to listen there anyway`);
  }
  return address;
}

function splitAddress(text: string): ListenAddress {
  const invalid = () => new ConfigError('http_address_invalid', `--http ${text}: use HOST:PORT (127.0.0.1:7373, [::1]:7373), :PORT or PORT`);
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):)?(\d{1,5})$/.exec(text);
  if (!match) throw invalid();
  const port = Number(match[2]);
  if (port > 65_535) throw invalid();
  let host = match[1] ?? '';
  if (host.startsWith('[')) {
    host = host.slice(1, -1);
    if (isIP(host) !== 6) throw invalid();
  }
  return { host: host === '' ? DEFAULT_HTTP_ADDRESS.host : host, port };
}

/** Whether `host` is a loopback address: 127.0.0.0/8 (RFC 1122 §3.2.1.3), ::1 (RFC 4291 §2.5.3), or `localhost`. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** `http://host:port/` as a client writes it (IPv6 in brackets). */
export function originOf(address: ListenAddress): string {
  return `http://${isIP(address.host) === 6 ? `[${address.host}]` : address.host}:${address.port}`;
}

/**
 * How errors and logs name a request's URL: scheme, host, port and path, with every query value
 * replaced by `…` (`https://api.example/v1/people?page=…&cursor=…`). Query values can be secrets
 * (an API key from `query_from_env`), opaque tokens the server treats as credentials, or data (a
 * filter on an ID number); parameter names are configuration or the API's own vocabulary and help
 * to see which page failed. No user:password (refused in the options) and no fragment.
 */
export function describeUrl(url: URL): string {
  const names = [...url.searchParams.keys()];
  const query = names.length === 0 ? '' : `?${names.map((n) => `${encodeURIComponent(n)}=…`).join('&')}`;
  return `${url.origin}${url.pathname}${query}`;
}

/** Whether two URLs share an origin: scheme, host and port (RFC 6454 §5). */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.origin === b.origin;
}

/** Loopback hosts, where plain http carries no credential over a network. */
export function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

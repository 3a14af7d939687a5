import { ConfigError } from '../../src/errors.ts';

/** A value that an HTTP field can carry: no CR, LF or NUL (RFC 9110 §5.5). */
const FIELD_VALUE = /^[^\r\n\0]*$/;

/**
 * Reads each named environment variable: `names` maps a header or query parameter to a variable
 * name (`{ Authorization: 'ONECODE_API_TOKEN' }`), and the result maps it to the variable's value.
 * Throws ConfigError `http_env_missing` naming the option, the key and the variable (never a
 * value) when a variable is not set or empty, and `http_env_invalid` when a header value holds a
 * line break or NUL, which would split the request.
 * @param option the option's name for messages: `headers_from_env` or `query_from_env`.
 */
export function valuesFromEnv(names: Readonly<Record<string, string>>, env: Readonly<Record<string, string | undefined>>, option: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, variable] of Object.entries(names)) {
    const value = Object.hasOwn(env, variable) ? env[variable] : undefined;
    if (value === undefined || value === '') {
      throw new ConfigError('http_env_missing', `connector.${option}.${key}: environment variable ${variable} is not set (or empty); export it before the run`);
    }
    if (option === 'headers_from_env' && !FIELD_VALUE.test(value)) {
      throw new ConfigError('http_env_invalid', `connector.${option}.${key}: environment variable ${variable} holds a line break or NUL, which no header value can carry (RFC 9110 §5.5)`);
    }
    Object.defineProperty(values, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return values;
}

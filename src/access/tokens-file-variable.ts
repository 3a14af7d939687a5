/**
 * The environment variable naming the API token file (tokens.ts). Its own file so that the CLI
 * can name it in its help without loading the token file's reader.
 */

/** The environment variable naming the token file. */
export const TOKENS_FILE_VARIABLE = 'ONECODE_TOKENS_FILE';

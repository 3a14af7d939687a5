/**
 * The default sample size of `onecode check`, in its own file so that the command line can show
 * it in its help without loading the runner that check-command.ts brings.
 */

/** Default sample size of `onecode check` (rows read from the source). */
export const CHECK_SAMPLE_ROWS = 1000;

// Types of bin/build-stamp.js (plain JavaScript: it runs before anything is compiled), for the
// TypeScript that uses it (tests/support/build-dist.ts, tests/cli/build-stamp.test.ts).

/** The build's output folder, relative to the package root. */
export declare const BUILD_DIR: string;
/** The stamp file, relative to the package root. */
export declare const STAMP_FILE: string;
/** The folders the build compiles. */
export declare const SOURCE_DIRS: readonly string[];
/** Files whose change changes the build without changing a source. */
export declare const CONFIG_FILES: readonly string[];
/** The newest modification time (ms since the epoch) among the sources of the package at `root`, and the path (relative to `root`) that has it. */
export declare function newestSource(root: string): { mtimeMs: number; file: string };
/** Whether the build in `<root>/dist` is that of the sources in `<root>`; when not, why, in a few words naming paths only. */
export declare function buildFreshness(root: string): { fresh: true } | { fresh: false; reason: string };

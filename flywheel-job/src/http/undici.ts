import type * as Undici from "undici";

/**
 * undici, loaded when a client first needs it rather than when its module is imported: every
 * command's module is imported at start, and `flywheel serve` holds NeMo clients (for DELETE) that
 * most of its processes never use; undici is some 20 MiB of it. (A dynamic import() would need file
 * extensions under node16 module resolution, which the CommonJS transpilers do not map.)
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
export const loadUndici = (): typeof Undici => require("undici") as typeof Undici;

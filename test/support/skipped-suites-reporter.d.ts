/** The title of a suite skipped for want of `command`; `install` says how to get it. */
export function skippedTitle(title: string, command: string, install: string): string;
/** The reason in a title `skippedTitle` made, or undefined. */
export function skipReason(title: string): string | undefined;

/** The title of a suite skipped for `reason`, which says what is missing and how to get it. */
export function skippedTitle(title: string, reason: string): string;
/** The reason in a title `skippedTitle` made, or undefined. */
export function skipReason(title: string): string | undefined;

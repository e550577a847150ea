/** Control characters, and the bidi controls that could reorder what a terminal or a log viewer shows. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const unprintable = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Untrusted text (a service's answer, a name from an archive) as one printable line: control and
 * bidi characters written as `\uXXXX` escapes, so a message cannot break lines or reorder itself.
 */
export function printableLine(text: string): string {
  return text.replace(unprintable, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

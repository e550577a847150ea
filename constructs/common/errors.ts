/**
 * The one validation error of the constructs. Every check throws an Error whose message starts with
 * the resource it concerns (`NIMCache flywheel/llama-3-2-1b`) and names the prop and its value, so a
 * bad stack config fails at synth time with a message a user can act on, instead of as an object the
 * API server or an operator rejects halfway through `pulumi up`.
 */

/** `Kind namespace/name`, the subject of every validation message. */
export function resourceLabel(kind: string, namespace: string, name: string): string {
  return `${kind} ${namespace}/${name}`;
}

/** Throws `<owner>: <message>`; the message names the prop first, then its value in quotes. */
export function fail(owner: string, message: string): never {
  throw new Error(`${owner}: ${message}`);
}

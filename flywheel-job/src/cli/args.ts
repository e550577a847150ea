import { UsageError } from "../errors";
import type { ParsedArgs } from "./command";

/** A string flag's value, or undefined when absent. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
}

/** Whether a switch (a flag without a value, e.g. `--json`) was given. */
export function switchFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** A string flag the command cannot run without. */
export function requiredFlag(args: ParsedArgs, name: string, what: string): string {
  const value = stringFlag(args, name);
  if (value === undefined || value === "") {
    throw new UsageError(`--${name} is required: ${what}`);
  }
  return value;
}

/** An integer flag within [min, max], or undefined when absent. */
export function integerFlag(args: ParsedArgs, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const value = stringFlag(args, name);
  if (value === undefined) {
    return undefined;
  }
  const number = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`--${name}: expected ${range}, got ${JSON.stringify(value)}`);
  }
  return number;
}

import type { CommandNode } from "./command";
import { planCommand } from "./plan-command";

/** Every command of the CLI. A new command, or a group such as `runs`, is one entry here. */
export const commands: readonly CommandNode[] = [planCommand];

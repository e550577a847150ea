import type { CommandNode } from "./command";
import { backupCommand } from "../backup/backup-command";
import { serveCommand } from "../api/serve-command";
import { judgeProxyCommand } from "../judge-proxy/judge-proxy-command";
import { planCommand } from "./plan-command";
import { promoteCommand } from "../promote/promote-command";
import { restoreCheckCommand } from "../restore/restore-check-command";
import { runCommand } from "./run-command";
import { runsCommand } from "./runs-commands";
import { verifyCommand } from "../verify/verify-commands";

/** Every command of the CLI. A new command, or a group such as `runs`, is one entry here. */
export const commands: readonly CommandNode[] = [planCommand, runCommand, runsCommand, promoteCommand, verifyCommand, serveCommand, judgeProxyCommand, backupCommand, restoreCheckCommand];

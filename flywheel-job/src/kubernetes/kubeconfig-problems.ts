import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

/** The parts of a loaded kubeconfig the checks read (the fields of @kubernetes/client-node's KubeConfig). */
export interface KubeconfigView {
  /** Empty or, when the file has no current-context, undefined (the client's type says string). */
  readonly currentContext: string | undefined;
  readonly contexts: readonly { readonly name: string; readonly cluster: string; readonly user: string }[];
  readonly clusters: readonly { readonly name: string; readonly server: string; readonly skipTLSVerify: boolean; readonly caFile?: string }[];
  readonly users: readonly { readonly name: string; readonly certFile?: string; readonly keyFile?: string; readonly exec?: { readonly command?: string } }[];
}

/**
 * What in a kubeconfig would make every API call fail, each naming the field to fix. The client
 * itself reports these only when a call is made, as errors that look like connection failures (a
 * missing CA file is ENOENT, a plain-http server "HTTP protocol is not allowed"), so the job would
 * retry a configuration error; checked up front, they fail the run at once with exit code 2.
 */
export function kubeconfigProblems(config: KubeconfigView, source: string, searchPath = process.env.PATH ?? ""): string[] {
  const names = (items: readonly { readonly name: string }[]): string => items.map((item) => item.name).join(", ") || "none";
  if (!config.currentContext) {
    return [`${source} sets no current-context (set one with kubectl config use-context <name>; contexts: ${names(config.contexts)})`];
  }
  const context = config.contexts.find((c) => c.name === config.currentContext);
  if (!context) {
    return [`${source}: current-context "${config.currentContext}" is not one of its contexts (${names(config.contexts)})`];
  }
  const problems: string[] = [];
  const cluster = config.clusters.find((c) => c.name === context.cluster);
  if (!cluster) {
    problems.push(`${source}: context "${context.name}" names cluster "${context.cluster}", which is not one of its clusters (${names(config.clusters)})`);
  } else {
    if (/^http:\/\//i.test(cluster.server) && !cluster.skipTLSVerify) {
      problems.push(
        `${source}: cluster "${cluster.name}" has the plain-http server ${cluster.server}, which the Kubernetes client refuses unless the cluster sets insecure-skip-tls-verify: true (kubectl config set-cluster ${cluster.name} --insecure-skip-tls-verify=true)`,
      );
    }
    if (cluster.caFile !== undefined && !existsSync(cluster.caFile)) {
      problems.push(`${source}: cluster "${cluster.name}": certificate-authority file ${cluster.caFile} does not exist`);
    }
  }
  const user = config.users.find((u) => u.name === context.user);
  if (context.user !== "" && !user) {
    problems.push(`${source}: context "${context.name}" names user "${context.user}", which is not one of its users (${names(config.users)})`);
  }
  if (user) {
    for (const [field, file] of [
      ["client-certificate", user.certFile],
      ["client-key", user.keyFile],
    ] as const) {
      if (file !== undefined && !existsSync(file)) {
        problems.push(`${source}: user "${user.name}": ${field} file ${file} does not exist`);
      }
    }
    const command = user.exec?.command;
    if (command !== undefined && !isExecutable(command, searchPath)) {
      problems.push(`${source}: user "${user.name}": exec command "${command}" is not ${isAbsolute(command) ? "an executable file" : "on PATH"} (EKS kubeconfigs run the AWS CLI)`);
    }
  }
  return problems;
}

function isExecutable(command: string, searchPath: string): boolean {
  const candidates = isAbsolute(command) || command.includes("/") ? [command] : searchPath.split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

import * as kplus from "cdk8s-plus-28";
import { k8s } from "cdk8s-plus-28";

/** A non-root image's own user and group. */
export interface ImageUser {
  readonly uid: number;
  readonly gid: number;
}

/** The flywheel job image's `node` user (flywheel-job/Dockerfile: USER 1000:1000), which every pod running it runs as. */
export const jobImageUser: ImageUser = { uid: 1000, gid: 1000 };

/** Pod security context for a non-root pod that runs as the image's own user. */
export function nonRootPodSecurityContext(user: ImageUser): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user.uid,
    runAsGroup: user.gid,
    fsGroup: user.gid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** The container security context of every container these constructs define (Pod Security `restricted`). */
export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * `restrictedContainerSecurityContext` for a cdk8s-plus container, running as `user`: Pod Security
 * `restricted` whatever the namespace enforces (no capabilities, the runtime's default syscall filter).
 */
export function restrictedContainerSecurity(user: ImageUser): kplus.ContainerSecurityContextProps {
  return {
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    ensureNonRoot: true,
    user: user.uid,
    group: user.gid,
    capabilities: { drop: [kplus.Capability.ALL] },
    seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
  };
}

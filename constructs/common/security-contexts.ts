import { k8s } from "cdk8s-plus-28";

/** A non-root image's own user and group. */
export interface ImageUser {
  readonly uid: number;
  readonly gid: number;
}

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

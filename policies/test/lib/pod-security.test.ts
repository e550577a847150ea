import { isPodSecurityLevel, podSecurityViolations, type PodSecurityTemplate } from "../../lib/pod-security";

const restrictedContainer = {
  name: "app",
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
};

/** A pod that meets `restricted`: non-root and RuntimeDefault seccomp at pod level, a container dropping ALL. */
const restrictedPod: PodSecurityTemplate = {
  spec: {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
    containers: [restrictedContainer],
    volumes: [{ name: "config", configMap: { name: "c" } }, { name: "data", persistentVolumeClaim: { claimName: "d" } }, { name: "tmp", emptyDir: {} }],
  },
};

/** `restrictedPod` with its spec changed. */
function podWith(spec: Partial<NonNullable<PodSecurityTemplate["spec"]>>): PodSecurityTemplate {
  return { spec: { ...restrictedPod.spec, ...spec } };
}

/** `restrictedPod` with its one container's security context changed. */
function containerWith(securityContext: Record<string, unknown>): PodSecurityTemplate {
  return podWith({ containers: [{ name: "app", securityContext: { ...restrictedContainer.securityContext, ...securityContext } }] });
}

describe("podSecurityViolations", () => {
  it("passes a restricted pod at every level", () => {
    for (const level of ["privileged", "baseline", "restricted"] as const) {
      expect(podSecurityViolations(restrictedPod, level)).toEqual([]);
    }
  });

  it("takes runAsNonRoot and seccomp from every container when the pod sets neither", () => {
    const pod = podWith({
      securityContext: {},
      containers: [{ name: "app", securityContext: { ...restrictedContainer.securityContext, runAsNonRoot: true, seccompProfile: { type: "Localhost" } } }],
    });
    expect(podSecurityViolations(pod, "restricted")).toEqual([]);
  });

  it("passes a pod with default security contexts at baseline, and names each restricted field it misses", () => {
    const pod: PodSecurityTemplate = { spec: { containers: [{ name: "app" }] } };
    expect(podSecurityViolations(pod, "baseline")).toEqual([]);
    expect(podSecurityViolations(pod, "restricted", "spec.template.spec")).toEqual([
      "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation must be false",
      "spec.template.spec.containers[0].securityContext.runAsNonRoot (or the pod's) must be true",
      "spec.template.spec.containers[0].securityContext.seccompProfile.type (or the pod's) must be RuntimeDefault or Localhost",
      "spec.template.spec.containers[0].securityContext.capabilities.drop must include ALL",
    ]);
  });

  it("checks init and ephemeral containers too", () => {
    const pod = podWith({ initContainers: [{ name: "init" }], ephemeralContainers: [{ name: "debug", securityContext: { privileged: true } }] });
    expect(podSecurityViolations(pod, "baseline")).toEqual(["spec.ephemeralContainers[0].securityContext.privileged is true: privileged containers are not allowed"]);
    expect(podSecurityViolations(pod, "restricted")).toContain("spec.initContainers[0].securityContext.allowPrivilegeEscalation must be false");
  });

  it("refuses a container that turns runAsNonRoot off under a non-root pod", () => {
    expect(podSecurityViolations(containerWith({ runAsNonRoot: false }), "restricted")).toEqual([
      "spec.containers[0].securityContext.runAsNonRoot (or the pod's) must be true",
    ]);
  });

  it.each([
    ["host network", podWith({ hostNetwork: true }), "spec.hostNetwork is true"],
    ["host PID", podWith({ hostPID: true }), "spec.hostPID is true"],
    ["a hostPath volume", podWith({ volumes: [{ name: "root", hostPath: { path: "/" } }] }), "spec.volumes[0] is a hostPath volume"],
    ["a privileged container", containerWith({ privileged: true }), "spec.containers[0].securityContext.privileged is true"],
    ["an added SYS_ADMIN", containerWith({ capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } }), "capabilities.add has SYS_ADMIN"],
    ["seccomp Unconfined", podWith({ securityContext: { runAsNonRoot: true, seccompProfile: { type: "Unconfined" } } }), "seccompProfile.type is Unconfined"],
    ["an unsafe sysctl", podWith({ securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, sysctls: [{ name: "kernel.msgmax" }] } }), "sets kernel.msgmax"],
    ["an Unmasked /proc", containerWith({ procMount: "Unmasked" }), "procMount is Unmasked"],
    ["a host port", podWith({ containers: [{ ...restrictedContainer, ports: [{ hostPort: 8080 }] }] }), "hostPort is 8080"],
    ["an SELinux user", containerWith({ seLinuxOptions: { user: "system_u" } }), "seLinuxOptions.user is set"],
    ["AppArmor unconfined", { ...restrictedPod, metadata: { annotations: { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" } } }, "is unconfined"],
  ])("refuses %s at baseline", (_, pod, message) => {
    expect(podSecurityViolations(pod, "baseline")).toEqual([expect.stringContaining(message)]);
    expect(podSecurityViolations(pod, "privileged")).toEqual([]);
  });

  it.each([
    ["privilege escalation", containerWith({ allowPrivilegeEscalation: true }), "allowPrivilegeEscalation must be false"],
    ["capabilities kept", containerWith({ capabilities: {} }), "capabilities.drop must include ALL"],
    ["an added capability the default set has", containerWith({ capabilities: { drop: ["ALL"], add: ["CHOWN"] } }), "restricted allows only NET_BIND_SERVICE"],
    ["root", podWith({ securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } } }), "spec.securityContext.runAsUser is 0"],
    ["no seccomp profile", podWith({ securityContext: { runAsNonRoot: true } }), "seccompProfile.type (or the pod's) must be RuntimeDefault or Localhost"],
    ["an NFS volume", podWith({ volumes: [{ name: "share", nfs: { server: "nfs", path: "/" } }] }), "spec.volumes[0] is a nfs volume"],
  ])("passes %s at baseline and refuses it at restricted", (_, pod, message) => {
    expect(podSecurityViolations(pod, "baseline")).toEqual([]);
    expect(podSecurityViolations(pod, "restricted")).toEqual([expect.stringContaining(message)]);
  });

  it("allows NET_BIND_SERVICE at restricted", () => {
    expect(podSecurityViolations(containerWith({ capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } }), "restricted")).toEqual([]);
  });

  it("knows the three levels and nothing else", () => {
    expect(["privileged", "baseline", "restricted"].every(isPodSecurityLevel)).toBe(true);
    expect(isPodSecurityLevel("Restricted")).toBe(false);
    expect(isPodSecurityLevel(undefined)).toBe(false);
  });
});

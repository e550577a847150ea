/**
 * The Pod Security Standards' checks (https://kubernetes.io/docs/concepts/security/pod-security-standards/,
 * Kubernetes 1.34), as one pure function over a pod template: what Pod Security admission would
 * refuse at a namespace's `enforce` level. The render's test and the policy pack share it, so a pod
 * the stack writes is held to its namespace's level before any cluster sees it. Linux pods only
 * (the Windows exemptions of `restricted` are not modelled).
 */

/** A Pod Security Standards level, least to most restrictive. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

const podSecurityLevelList: readonly PodSecurityLevel[] = ["privileged", "baseline", "restricted"];

/** True for a value a `pod-security.kubernetes.io/*` namespace label may hold. */
export function isPodSecurityLevel(value: unknown): value is PodSecurityLevel {
  return podSecurityLevelList.includes(value as PodSecurityLevel);
}

/** The namespace label that sets the level admission enforces (refuses pods above). */
export const podSecurityEnforceLabel = "pod-security.kubernetes.io/enforce";
/** The namespace label that sets the level admission warns the client about. */
export const podSecurityWarnLabel = "pod-security.kubernetes.io/warn";
/** The namespace label that sets the level admission records in the audit log. */
export const podSecurityAuditLabel = "pod-security.kubernetes.io/audit";

interface SeccompProfile {
  readonly type?: string;
}

interface SeLinuxOptions {
  readonly type?: string;
  readonly user?: string;
  readonly role?: string;
}

interface PodSecurityFields {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly seccompProfile?: SeccompProfile;
  readonly appArmorProfile?: SeccompProfile;
  readonly seLinuxOptions?: SeLinuxOptions;
  readonly windowsOptions?: { readonly hostProcess?: boolean };
}

/** The fields of a container's security context the standards read. */
export interface ContainerSecurityFields extends PodSecurityFields {
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly procMount?: string;
}

/** The fields of a container the standards read. */
export interface PodSecurityContainer {
  readonly name?: string;
  readonly securityContext?: ContainerSecurityFields;
  readonly ports?: readonly { readonly hostPort?: number }[];
}

/** The fields of a pod spec the standards read. */
export interface PodSecuritySpec {
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly securityContext?: PodSecurityFields & { readonly sysctls?: readonly { readonly name: string }[] };
  readonly containers?: readonly PodSecurityContainer[];
  readonly initContainers?: readonly PodSecurityContainer[];
  readonly ephemeralContainers?: readonly PodSecurityContainer[];
  readonly volumes?: readonly Readonly<Record<string, unknown>>[];
}

/** A pod template, or a pod: its annotations (AppArmor) and its spec. */
export interface PodSecurityTemplate {
  readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> };
  readonly spec?: PodSecuritySpec;
}

// Baseline: capabilities a container may add (the container runtimes' defaults).
const baselineCapabilities = new Set([
  "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
  "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);
const safeSysctls = new Set([
  "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
]);
const seLinuxTypes = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const confinedProfiles = new Set(["RuntimeDefault", "Localhost"]);
// Restricted: the volume types a pod may use (everything else, hostPath included, is refused).
const restrictedVolumeTypes = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

interface ContainerAt {
  readonly container: PodSecurityContainer;
  readonly path: string;
}

function containersOf(spec: PodSecuritySpec, path: string): ContainerAt[] {
  return (["containers", "initContainers", "ephemeralContainers"] as const).flatMap((field) =>
    (spec[field] ?? []).map((container, i) => ({ container, path: `${path}.${field}[${i}]` })),
  );
}

function baselineViolations(template: PodSecurityTemplate, spec: PodSecuritySpec, path: string): string[] {
  const found: string[] = [];
  const pod = spec.securityContext ?? {};
  const containers = containersOf(spec, path);
  for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (spec[field] === true) found.push(`${path}.${field} is true: host namespaces are not allowed`);
  }
  if (pod.windowsOptions?.hostProcess === true) found.push(`${path}.securityContext.windowsOptions.hostProcess is true: HostProcess pods are not allowed`);
  const profileChecks = (context: PodSecurityFields | undefined, at: string): void => {
    if (context?.seccompProfile?.type === "Unconfined") found.push(`${at}.seccompProfile.type is Unconfined: seccomp must not be turned off`);
    const appArmor = context?.appArmorProfile?.type;
    if (appArmor !== undefined && !confinedProfiles.has(appArmor)) found.push(`${at}.appArmorProfile.type is ${appArmor}: only RuntimeDefault or Localhost`);
    const seLinux = context?.seLinuxOptions;
    if (seLinux?.type !== undefined && !seLinuxTypes.has(seLinux.type)) found.push(`${at}.seLinuxOptions.type is ${seLinux.type}: not a container type`);
    if (seLinux?.user) found.push(`${at}.seLinuxOptions.user is set: SELinux users are not allowed`);
    if (seLinux?.role) found.push(`${at}.seLinuxOptions.role is set: SELinux roles are not allowed`);
  };
  profileChecks(pod, `${path}.securityContext`);
  for (const sysctl of pod.sysctls ?? []) {
    if (!safeSysctls.has(sysctl.name)) found.push(`${path}.securityContext.sysctls sets ${sysctl.name}: not a safe sysctl`);
  }
  for (const [i, volume] of (spec.volumes ?? []).entries()) {
    if (volume.hostPath !== undefined) found.push(`${path}.volumes[${i}] is a hostPath volume: not allowed`);
  }
  for (const [key, value] of Object.entries(template.metadata?.annotations ?? {})) {
    if (key.startsWith(appArmorAnnotationPrefix) && value !== "runtime/default" && !value.startsWith("localhost/")) {
      found.push(`metadata.annotations["${key}"] is ${value}: only runtime/default or localhost/*`);
    }
  }
  for (const { container, path: at } of containers) {
    const context = container.securityContext;
    const contextPath = `${at}.securityContext`;
    if (context?.privileged === true) found.push(`${contextPath}.privileged is true: privileged containers are not allowed`);
    if (context?.windowsOptions?.hostProcess === true) found.push(`${contextPath}.windowsOptions.hostProcess is true: HostProcess containers are not allowed`);
    const added = (context?.capabilities?.add ?? []).filter((capability) => !baselineCapabilities.has(capability));
    if (added.length > 0) found.push(`${contextPath}.capabilities.add has ${added.join(", ")}: beyond the default set`);
    if (context?.procMount !== undefined && context.procMount !== "Default") found.push(`${contextPath}.procMount is ${context.procMount}: only Default`);
    profileChecks(context, contextPath);
    for (const [p, port] of (container.ports ?? []).entries()) {
      if (port.hostPort !== undefined && port.hostPort !== 0) found.push(`${at}.ports[${p}].hostPort is ${port.hostPort}: host ports are not allowed`);
    }
  }
  return found;
}

function restrictedViolations(spec: PodSecuritySpec, path: string): string[] {
  const found: string[] = [];
  const pod = spec.securityContext ?? {};
  const containers = containersOf(spec, path);
  for (const [i, volume] of (spec.volumes ?? []).entries()) {
    const types = Object.keys(volume).filter((key) => key !== "name");
    const refused = types.filter((type) => !restrictedVolumeTypes.has(type));
    if (refused.length > 0) found.push(`${path}.volumes[${i}] is a ${refused.join(", ")} volume: restricted allows only ${[...restrictedVolumeTypes].join(", ")}`);
  }
  if (pod.runAsUser === 0) found.push(`${path}.securityContext.runAsUser is 0: must not run as root`);
  const podSeccomp = pod.seccompProfile?.type;
  for (const { container, path: at } of containers) {
    const context = container.securityContext;
    const contextPath = `${at}.securityContext`;
    if (context?.allowPrivilegeEscalation !== false) found.push(`${contextPath}.allowPrivilegeEscalation must be false`);
    const nonRoot = context?.runAsNonRoot ?? pod.runAsNonRoot;
    if (nonRoot !== true) found.push(`${contextPath}.runAsNonRoot (or the pod's) must be true`);
    if (context?.runAsUser === 0) found.push(`${contextPath}.runAsUser is 0: must not run as root`);
    const seccomp = context?.seccompProfile?.type ?? podSeccomp;
    if (seccomp === undefined || !confinedProfiles.has(seccomp)) found.push(`${contextPath}.seccompProfile.type (or the pod's) must be RuntimeDefault or Localhost`);
    if (!(context?.capabilities?.drop ?? []).includes("ALL")) found.push(`${contextPath}.capabilities.drop must include ALL`);
    const added = (context?.capabilities?.add ?? []).filter((capability) => capability !== "NET_BIND_SERVICE");
    if (added.length > 0) found.push(`${contextPath}.capabilities.add has ${added.join(", ")}: restricted allows only NET_BIND_SERVICE`);
  }
  return found;
}

/**
 * What Pod Security admission at `level` would refuse in `template`, one message per field, each
 * starting with the field's path (`path` is where the pod spec sits, e.g. `spec.template.spec`);
 * empty when the pod passes. `privileged` refuses nothing; `restricted` includes `baseline`.
 */
export function podSecurityViolations(template: PodSecurityTemplate, level: PodSecurityLevel, path = "spec"): string[] {
  const spec = template.spec ?? {};
  if (level === "privileged") return [];
  const baseline = baselineViolations(template, spec, path);
  return level === "baseline" ? baseline : [...baseline, ...restrictedViolations(spec, path)];
}

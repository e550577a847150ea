import type { PlatformCheck } from "./platform-check";
import { kubernetesFailure, type PlatformKubernetes } from "./platform-kubernetes";
import type { PlatformCheckResult } from "./platform-verify-contract";

/** The NIMCache state the operator reports once the model is downloaded. */
const readyState = "Ready";

/** How the NIM operator says no model profile matches the GPUs it can schedule on. */
const noProfileMessage = /no (matching|compatible|suitable)? ?profiles?|profile.*(not (found|match|compatible))|no .*profile.* match/i;

/** `nimcaches`: each NIMCache the stack declared reports Ready; one that cannot pick a profile says so. */
export function nimCachesCheck(kubernetes: () => Promise<PlatformKubernetes>): PlatformCheck {
  return {
    name: "nimcaches",
    async run(context) {
      const api = await kubernetes();
      return Promise.all(
        context.config.nimCaches.map(async (cache): Promise<PlatformCheckResult> => {
          const check = "nimcache ready";
          const target = `${cache.namespace}/${cache.name}`;
          try {
            const state = await api.readNimCache(cache.namespace, cache.name, context.signal);
            if (state === undefined) {
              return { check, target, outcome: "fail", detail: `no NIMCache ${target}`, troubleshooting: "nimcache-not-ready" };
            }
            if (state.state === readyState) {
              return { check, target, outcome: "pass", detail: `state ${readyState}` };
            }
            const said = state.conditions.filter((condition) => condition.message !== undefined || condition.reason !== undefined);
            const noProfile = said.find((condition) => noProfileMessage.test(`${condition.reason ?? ""} ${condition.message ?? ""}`));
            const shown = noProfile ?? said.find((condition) => condition.status !== "True") ?? said[0];
            const why = shown === undefined ? "" : `; ${shown.type}: ${[shown.reason, shown.message].filter(Boolean).join(": ")}`;
            return {
              check,
              target,
              outcome: "fail",
              detail: `state ${state.state ?? "(none yet)"}${why}`,
              troubleshooting: noProfile === undefined ? "nimcache-not-ready" : "nimcache-no-profile",
            };
          } catch (error) {
            return kubernetesFailure(check, target, error);
          }
        }),
      );
    },
  };
}

import { flywheelApiService } from "../../api/flywheel-api-service";
import type { PlatformCheck } from "./platform-check";
import type { PlatformCheckResult } from "./platform-verify-contract";
import { describeFailure } from "./store-call";
import { httpGet } from "./http-get";

/** `flywheel-api`: the flywheel API's health route answers 2xx, with its token when one is configured; skipped when the stack has no API. */
export function flywheelApiCheck(): PlatformCheck {
  return {
    name: "flywheel-api",
    async run(context): Promise<PlatformCheckResult[]> {
      const api = context.config.flywheelApi;
      if (api === undefined) {
        return [{ check: "flywheel api health", target: "(none)", outcome: "skip", detail: "the stack declares no flywheel API" }];
      }
      const target = `${api.url.replace(/\/+$/, "")}${flywheelApiService.healthPath}`;
      const token = api.tokenFile === undefined ? undefined : context.readCredential(api.tokenFile).trim();
      const answer = await httpGet(context, target, token);
      const check = "flywheel api health";
      if ("unreachable" in answer) {
        return [{ check, target, outcome: "fail", detail: `no answer: ${answer.unreachable}`, troubleshooting: "flywheel-api-unreachable" }];
      }
      if (answer.status >= 200 && answer.status < 300) {
        return [{ check, target, outcome: "pass", detail: `HTTP ${answer.status}` }];
      }
      return [{ check, target, outcome: "fail", detail: `HTTP ${answer.status}: ${describeFailure(answer.body)}`, troubleshooting: "flywheel-api-unreachable" }];
    },
  };
}

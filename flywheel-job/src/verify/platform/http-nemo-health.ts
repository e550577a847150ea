import type { PlatformCheck } from "./platform-check";
import type { PlatformCheckResult } from "./platform-verify-contract";
import { describeFailure } from "./store-call";
import { httpGet } from "./http-get";

/** What a NeMo service's failing health answer says when its database is the cause. */
const databaseMessage = /database|postgres/i;

/**
 * `nemo-services`: each NeMo service's health endpoint answers 2xx. A 5xx that mentions its
 * database points at that entry; anything else (or no answer) at the generic one.
 */
export function nemoHealthCheck(): PlatformCheck {
  return {
    name: "nemo-services",
    async run(context) {
      return Promise.all(
        context.config.nemoServices.map(async (service): Promise<PlatformCheckResult> => {
          const check = `nemo ${service.name} health`;
          const target = service.url;
          const answer = await httpGet(context, service.url);
          if ("unreachable" in answer) {
            return { check, target, outcome: "fail", detail: `no answer: ${answer.unreachable}`, troubleshooting: "nemo-service-unhealthy" };
          }
          if (answer.status >= 200 && answer.status < 300) {
            return { check, target, outcome: "pass", detail: `HTTP ${answer.status}` };
          }
          const detail = `HTTP ${answer.status}${answer.body === "" ? "" : `: ${describeFailure(answer.body)}`}`;
          const troubleshooting = answer.status >= 500 && databaseMessage.test(answer.body) ? "nemo-database-error" : "nemo-service-unhealthy";
          return { check, target, outcome: "fail", detail, troubleshooting };
        }),
      );
    },
  };
}

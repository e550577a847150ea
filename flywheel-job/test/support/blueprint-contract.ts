import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { skippedTitle } from "../../../test/support/skipped-suites-reporter";

/**
 * NVIDIA's blueprint publishes its REST API as an OpenAPI document. It is not part of this repository
 * (it is theirs), so the suites that check our answers against it read it from where the workplace
 * keeps it, `../shared/reference/` beside the clone, or from `BLUEPRINT_OPENAPI`.
 */
export const blueprintOpenApiPath = process.env.BLUEPRINT_OPENAPI ?? resolve(__dirname, "../../../../shared/reference/data-flywheel-openapi.json");

/** `describe` for a suite that validates against the blueprint's document: skipped, with one line saying so, without it. */
export function describeWithBlueprintContract(title: string, suite: () => void): void {
  if (existsSync(blueprintOpenApiPath)) {
    describe(title, suite);
  } else {
    describe.skip(skippedTitle(title, `the blueprint's OpenAPI document is not at ${blueprintOpenApiPath}; set BLUEPRINT_OPENAPI to its data-flywheel-openapi.json`), suite);
  }
}

/** A validator of one of the blueprint's schemas, as its clients would read our answers: undefined when valid, else what is wrong. */
export function blueprintValidator(name: string): (value: unknown) => string | undefined {
  const document = JSON.parse(readFileSync(blueprintOpenApiPath, "utf8")) as { components: object };
  const ajv = new Ajv2020({ allErrors: true });
  ajv.addKeyword("components");
  ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  ajv.addSchema({ $id: "blueprint", components: document.components });
  const validate = ajv.getSchema(`blueprint#/components/schemas/${name}`);
  if (validate === undefined) {
    throw new Error(`no schema ${name} in the blueprint's OpenAPI document`);
  }
  return (value) => (validate(value) ? undefined : ajv.errorsText(validate.errors));
}

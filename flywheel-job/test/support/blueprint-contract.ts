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

/**
 * The answers a test file got from the blueprint's endpoints, each with the blueprint schema it must
 * satisfy, checked together by `describeCheck` in a suite of its own: the behaviour tests that record
 * them run on every machine, the schema check where the blueprint's document is (elsewhere it is
 * skipped, with one line saying so).
 */
export class BlueprintAnswers {
  private readonly answers: { readonly schema: string; readonly body: unknown; readonly what: string }[] = [];

  /** Keeps `body` to be checked against the blueprint's schema `schema`; `what` names it in a failure. */
  record(schema: string, body: unknown, what: string = schema): void {
    this.answers.push({ schema, body, what });
  }

  /** The suite that checks every recorded answer: declare it after the suites that record (jest runs them in order). */
  describeCheck(title: string): void {
    describeWithBlueprintContract(title, () => {
      it("every answer of a blueprint endpoint is valid under the blueprint's schema for it", () => {
        expect(this.answers.length).toBeGreaterThan(0);
        const validators = new Map<string, (value: unknown) => string | undefined>();
        const problems = this.answers.flatMap(({ schema, body, what }) => {
          const validate = validators.get(schema) ?? blueprintValidator(schema);
          validators.set(schema, validate);
          const problem = validate(body);
          return problem === undefined ? [] : [`${what} (${schema}): ${problem}`];
        });
        expect(problems).toEqual([]);
      });
    });
  }
}

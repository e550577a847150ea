import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { skippedTitle } from "./skipped-suites-reporter";

/**
 * The operators' CRDs at the pinned versions are upstream data the project does not copy: the
 * workplace keeps them in `../shared/crds/` beside the clone (or set `CRD_SCHEMAS`).
 */
export const crdDirectory = process.env.CRD_SCHEMAS ?? resolve(__dirname, "../../../shared/crds");

/** `describe` for a suite that validates against CRDs: skipped, with one line saying so, without them. */
export function describeWithCrds(title: string, suite: () => void): void {
  if (existsSync(crdDirectory)) {
    describe(title, suite);
  } else {
    describe.skip(skippedTitle(title, `the CRD schemas are not at ${crdDirectory}; set CRD_SCHEMAS to the directory of ../shared/crds`), suite);
  }
}

type Schema = Record<string, unknown>;

interface CustomResourceDefinition {
  readonly spec: { readonly group: string; readonly names: { readonly kind: string }; readonly versions: readonly { readonly name: string; readonly schema: { readonly openAPIV3Schema: Schema } }[] };
}

/**
 * A validator of one custom kind, read from `<crdDirectory>/<file>`, as the API server would apply
 * it: undefined when valid, else every problem. Unknown fields are problems too (the API server would
 * drop them, losing the configuration), except under `x-kubernetes-preserve-unknown-fields`.
 */
export function crdValidator(file: string, apiVersion: string): (manifest: object) => string | undefined {
  const crd = parse(readFileSync(resolve(crdDirectory, file), "utf8")) as CustomResourceDefinition;
  const [group, version] = apiVersion.split("/");
  const served = crd.spec.versions.find((v) => v.name === version);
  if (crd.spec.group !== group || served === undefined) {
    throw new Error(`${file} does not define ${apiVersion}`);
  }
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(closed(served.schema.openAPIV3Schema));
  return (manifest) => (validate(manifest) ? undefined : ajv.errorsText(validate.errors, { separator: "\n" }));
}

// OpenAPI v3 as CRDs use it, read as JSON Schema: objects with listed properties admit no others.
function closed(schema: Schema): Schema {
  const result: Schema = { ...schema };
  if (schema["x-kubernetes-int-or-string"] === true) {
    delete result.type;
    result.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (schema.nullable === true && typeof schema.type === "string") {
    result.type = [schema.type, "null"];
  }
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (properties) {
    result.properties = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, closed(property)]));
    if (schema.additionalProperties === undefined && schema["x-kubernetes-preserve-unknown-fields"] !== true) {
      result.additionalProperties = false;
    }
  }
  if (schema.items && typeof schema.items === "object") {
    result.items = closed(schema.items as Schema);
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    result.additionalProperties = closed(schema.additionalProperties as Schema);
  }
  // allOf/anyOf/oneOf branches are left open: in CRDs they say which fields are required together,
  // and closing each branch would refuse the fields the others list.
  return result;
}

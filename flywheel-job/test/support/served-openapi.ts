import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";

type Json = Record<string, unknown>;

/**
 * Validates answers against the OpenAPI document the service serves: every JSON answer must be the
 * schema the document gives for its path, method and status, and every object in the document
 * forbids fields it does not name, so an undocumented field, status or path fails.
 */
export class ServedOpenApi {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false });
  private readonly templates: { readonly template: string; readonly pattern: RegExp }[];

  constructor(readonly document: Json) {
    this.ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    this.ajv.addSchema({ $id: "served", components: document.components }, "served");
    this.templates = Object.keys(document.paths as Json).map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\./g, "\\.").replace(/\{\w+\}/g, "[^/]+")}$`) }));
  }

  /** Undefined when `body` is what the document says `method path` answers with `status`, else what is wrong. */
  problem(method: string, path: string, status: number, body: unknown): string | undefined {
    const template = this.templates.find((t) => t.pattern.test(path))?.template;
    if (template === undefined) {
      return `${path} is not in the served document`;
    }
    const operation = ((this.document.paths as Json)[template] as Json)[method.toLowerCase()] as Json | undefined;
    if (operation === undefined) {
      return `${method} ${template} is not in the served document`;
    }
    const response = (operation.responses as Json)[String(status)] as Json | undefined;
    if (response === undefined) {
      return `${method} ${template} does not document status ${status}`;
    }
    const schema = ((response.content as Json | undefined)?.["application/json"] as Json | undefined)?.schema as Json | undefined;
    if (schema === undefined) {
      return `${method} ${template} ${status} documents no JSON body`;
    }
    const validate = this.validator(schema);
    return validate(body) ? undefined : `${method} ${path} ${status}: ${this.ajv.errorsText(validate.errors)}`;
  }

  private validator(schema: Json): ValidateFunction {
    const rewritten = JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"served#/components/')) as Json;
    return this.ajv.compile(rewritten);
  }
}

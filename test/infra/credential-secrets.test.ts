import { credentialTemplate, formatCredential } from "../../infra/kubernetes/credential-secrets";
import { credentialSecretLayouts, type CredentialFormat } from "../../infra/platform/external-credentials";

/**
 * Evaluates the small part of Go's text/template with Sprig that the credential templates use —
 * `.variable`, string literals, `printf` with `%s`, `toJson`, `b64enc` — so a test can hold the
 * operator's Secret byte-equal to the one Pulumi writes. Anything else throws: a template that grows
 * past this must grow the evaluator, not slip by.
 */
function evaluate(template: string, variables: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(.*?)\}\}/g, (_, pipeline: string) => {
    let value: string | undefined;
    for (const command of pipeline.split("|").map((c) => c.trim())) {
      const args = [...command.matchAll(/"(?:[^"\\]|\\.)*"|\S+/g)].map(([token]) => token);
      const operand = (token: string): string => {
        if (token.startsWith('"')) {
          return JSON.parse(token) as string;
        }
        if (token.startsWith(".") && variables[token.slice(1)] !== undefined) {
          return variables[token.slice(1)];
        }
        throw new Error(`unknown operand ${token}`);
      };
      const [name, ...rest] = args;
      const piped = value === undefined ? [] : [value];
      if (name === "printf") {
        const [format, ...values] = [...rest.map(operand), ...piped];
        value = format.replace(/%s/g, () => values.shift() ?? "");
      } else if (name === "toJson") {
        value = JSON.stringify(piped[0]);
      } else if (name === "b64enc") {
        value = Buffer.from(piped[0] ?? "", "utf8").toString("base64");
      } else if (rest.length === 0 && piped.length === 0) {
        value = operand(name);
      } else {
        throw new Error(`unknown command ${command}`);
      }
    }
    return value ?? "";
  });
}

const keys = ["nvapi-AbC123_xyz", 'a "quoted" key with \\ and unicode é'];
const formats: CredentialFormat[] = ["value", "nvcr-docker-config"];

describe("credential formats", () => {
  test.each(formats.flatMap((format) => keys.map((key) => [format, key] as const)))(
    "%s: the operator's template writes what Pulumi writes, byte for byte (%j)",
    (format, key) => {
      expect(evaluate(credentialTemplate(format, "ngcApiKey"), { ngcApiKey: key })).toBe(formatCredential(format, key));
    },
  );

  test("the pull Secret logs in to nvcr.io as $oauthtoken with the key", () => {
    const config = JSON.parse(formatCredential("nvcr-docker-config", "nvapi-k")) as { auths: Record<string, { username: string; password: string; auth: string }> };
    expect(config).toEqual({ auths: { "nvcr.io": { username: "$oauthtoken", password: "nvapi-k", auth: Buffer.from("$oauthtoken:nvapi-k").toString("base64") } } });
  });

  test("the evaluator refuses what it does not know, so the equality above cannot pass by accident", () => {
    expect(() => evaluate("{{ .key | upper }}", { key: "k" })).toThrow("unknown command upper");
    expect(() => evaluate("{{ .other }}", { key: "k" })).toThrow("unknown operand .other");
  });
});

describe("credential Secret layouts", () => {
  test("no two purposes write the same Secret, and generated keys never hold a credential", () => {
    const layouts = Object.values(credentialSecretLayouts);
    expect(new Set(layouts.map((l) => l.name)).size).toBe(layouts.length);
    for (const layout of layouts) {
      for (const generated of "generatedKeys" in layout ? layout.generatedKeys : []) {
        expect(Object.keys(layout.keys)).not.toContain(generated);
      }
    }
  });
});

import { credentialIn, isLiteralSecret, isSecretName, nameWords, secretsInArgs } from "../../lib/secrets";

describe("secret detection", () => {
  it("splits names the way people write them", () => {
    expect(nameWords("NGC_API_KEY")).toEqual(["ngc", "api", "key"]);
    expect(nameWords("ngcApiKey")).toEqual(["ngc", "api", "key"]);
    expect(nameWords("ngcAPISecret")).toEqual(["ngc", "api", "secret"]);
    expect(nameWords("hf-token")).toEqual(["hf", "token"]);
  });

  it.each(["NGC_API_KEY", "password", "REDIS_PASSWORD", "hfToken", "HF_TOKEN", "clientSecret", "AWS_SECRET_ACCESS_KEY", "SECRET_KEY", "apiKey", "wandbApiKey", "requirepass", "private_key", "passphrase"])(
    "%s names a secret",
    (name) => {
      expect(isSecretName(name)).toBe(true);
    },
  );

  it.each(["PASSWORD_FILE", "TOKEN_URL", "secretName", "SECRET_NAME", "passwordKey", "apiKeyKey", "TOKEN_TTL", "max_tokens", "tokenizer", "AWS_ACCESS_KEY_ID", "PWD", "KEY_ID", "api_key_secret_ref", "monkey", "secretary"])(
    "%s does not name a secret",
    (name) => {
      expect(isSecretName(name)).toBe(false);
    },
  );

  it.each(["hunter22", "s3cr3t!", "[secret]", "correct horse battery staple"])("%s is a literal secret", (value) => {
    expect(isLiteralSecret(value)).toBe(true);
  });

  it.each(["", "$(REDIS_PASSWORD)", "${NGC_API_KEY}", "$TOKEN", "true", "512", "/var/run/secrets/token", "ngc-api", "tls.crt", "https://example.com/token", '""'])(
    "%s is not a literal secret",
    (value) => {
      expect(isLiteralSecret(value)).toBe(false);
    },
  );

  it("recognises credentials by their shape", () => {
    expect(credentialIn("nvapi-Abc123dEf456GhI789jKl012MnO345pQr678StU")).toBe("an NGC API key (nvapi-…)");
    expect(credentialIn("AKIAIOSFODNN7EXAMPLE")).toBe("an AWS access key id");
    expect(credentialIn("hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345")).toBe("a Hugging Face token (hf_…)");
    expect(credentialIn("-----BEGIN RSA PRIVATE KEY-----\nMIIE")).toBe("a PEM private key");
    expect(credentialIn("postgres://nemo:hunter22@db:5432/nemo")).toBe("a password inside a URL");
    expect(credentialIn("postgres://nemo:$(DB_PASSWORD)@db:5432/nemo")).toBeUndefined();
    expect(credentialIn("http://flywheel-logs-es-http.data.svc:9200")).toBeUndefined();
    expect(credentialIn("nvapi-short")).toBeUndefined();
  });

  it("reads flags in both forms and skips references", () => {
    expect(secretsInArgs(["redis-server", "--requirepass", "$(REDIS_PASSWORD)"], [])).toEqual([]);
    expect(secretsInArgs(["sh", "-c", 'exec redis-server --requirepass "$REDIS_PASSWORD"'], [])).toEqual([]);
    expect(secretsInArgs(["--token=abc123xyz"], [])).toEqual([{ key: "--token", what: "a literal value for a secret-looking flag" }]);
    expect(secretsInArgs(["--password", "--verbose"], [])).toEqual([]);
  });
});

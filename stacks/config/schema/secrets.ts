import { z } from "zod";
import { externalCredentials, type ExternalCredential } from "../../../infra/platform/external-credentials";

/**
 * A name AWS Secrets Manager accepts: 1 to 512 of ASCII letters, digits and `/_+=.@-`
 * (CreateSecret's `Name`). The stack refers to secrets by name, never by ARN: the ARN carries a
 * random suffix only AWS knows until the secret exists.
 */
export const awsSecretName = z
  .string()
  .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "expected an AWS Secrets Manager secret name: 1 to 512 of A-Z, a-z, 0-9 and /_+=.@-");

/**
 * How often the operator reads each secret again: a rotated value reaches the Kubernetes Secret within
 * one interval. Whole minutes or hours (`30m`, `1h`); more often than once a minute would bill every
 * read for nothing.
 */
const refreshInterval = z.string().regex(/^[1-9]\d*(m|h)$/, "expected a whole number of minutes or hours such as 30m or 1h");

const secretNamesShape = Object.fromEntries(externalCredentials.map((credential) => [credential, awsSecretName.optional()])) as Record<
  ExternalCredential,
  z.ZodOptional<typeof awsSecretName>
>;

/** Where the external credentials come from (`data-flywheel:secrets`). */
export const secretsSchema = z
  .discriminatedUnion("source", [
    /** `pulumi config set --secret <key>`: the values live in the stack's encrypted config. */
    z.strictObject({ source: z.literal("pulumi") }),
    /**
     * AWS Secrets Manager through the External Secrets Operator: each credential is a named secret
     * whose value is the plain string, and the cluster reads it; Pulumi never sees it (but for the NGC
     * key, which `pulumi up` reads to log in to NGC's chart repository).
     */
    z.strictObject({
      source: z.literal("aws-secrets-manager"),
      /** The secret holding each credential the stack uses, by the setting's key. */
      names: z.strictObject(secretNamesShape),
      refreshInterval: refreshInterval.default("1h"),
    }),
  ])
  .default({ source: "pulumi" });

export type SecretsSettings = z.infer<typeof secretsSchema>;

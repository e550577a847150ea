import type * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * A password the stack generates and keeps in its state. Alphanumeric: passwords go into
 * connection URLs and basic-auth headers unescaped.
 * @param aliases where the password was declared before a refactoring moved it, so `pulumi up` keeps it
 */
export function generatedPassword(name: string, parent: pulumi.Resource, aliases?: pulumi.Alias[]): random.RandomPassword {
  return new random.RandomPassword(name, { length: 32, special: false }, { parent, aliases });
}

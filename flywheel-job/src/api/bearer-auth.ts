import { createHash, timingSafeEqual } from "node:crypto";

/** Who a request's token says it comes from. Only `operator` may start, cancel and delete runs. */
export type Role = "read" | "operator";

/** The tokens the service accepts, as read from their files at start. */
export interface ApiTokens {
  readonly read?: string;
  readonly operator?: string;
}

/** `401` without a usable `Authorization: Bearer` header, `403` for a token that is none of ours. */
export type AuthOutcome = { readonly role: Role } | { readonly refused: 401 | 403 };

const bearerHeader = /^Bearer ([\x21-\x7e]+)$/;

/**
 * Compares digests, not the tokens: digests have equal lengths, so `timingSafeEqual` compares them in
 * time that tells nothing about the token, not even its length.
 */
function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

function matches(given: Buffer, token: string | undefined): boolean {
  return token !== undefined && timingSafeEqual(given, digest(token));
}

export function authenticate(header: string | undefined, tokens: ApiTokens): AuthOutcome {
  const token = header === undefined ? undefined : bearerHeader.exec(header)?.[1];
  if (token === undefined) {
    return { refused: 401 };
  }
  const given = digest(token);
  // Both are compared whatever the first gives, so the time does not say which token matched.
  const isOperator = matches(given, tokens.operator);
  const isReader = matches(given, tokens.read);
  if (isOperator) {
    return { role: "operator" };
  }
  return isReader ? { role: "read" } : { refused: 403 };
}

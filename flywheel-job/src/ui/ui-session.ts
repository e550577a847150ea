import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type ApiTokens, authenticate, type Role } from "../api/bearer-auth";

/**
 * The review UI's sessions, without a session table so that any replica of the API answers any
 * request: the cookie is `role.expiry.mac`, the MAC keyed by a key derived from the token of that
 * role. Rotating a token therefore ends every session opened with it. Form tokens (CSRF) are MACs of
 * the session under the same key, so they are bound to it and need no storage either.
 */

export const sessionCookie = "flywheel_session";
/** The login form's double-submit nonce: a cross-site page can neither read it nor send it (SameSite=Strict). */
export const loginCookie = "flywheel_login";
/** How long a session lasts after login. */
export const sessionSeconds = 8 * 60 * 60;
/** How long a login form may be left open before it is submitted. */
export const loginFormSeconds = 30 * 60;

/** A session the cookie proves, and the value its form tokens are bound to. */
export interface UiSession {
  readonly role: Role;
  readonly expiresAt: Date;
  readonly cookieValue: string;
}

function keyOf(token: string, purpose: "session" | "form"): Buffer {
  return createHmac("sha256", token).update(`flywheel review UI ${purpose} key`).digest();
}

function mac(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text).digest("base64url");
}

/** Equal-length digests compared in constant time; anything else is a mismatch. */
function sameMac(given: string, expected: string): boolean {
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function tokenOf(role: Role, tokens: ApiTokens): string | undefined {
  return role === "operator" ? tokens.operator : tokens.read;
}

/** The token of a role that has sessions: one is configured, or no session of the role could be issued or verified. */
function configuredToken(role: Role, tokens: ApiTokens): string {
  const token = tokenOf(role, tokens);
  if (token === undefined) {
    throw new Error(`no ${role} token is configured`);
  }
  return token;
}

/** The role a token submitted to the login form opens a session for, or undefined for a token that is none of ours. */
export function roleOfToken(token: string, tokens: ApiTokens): Role | undefined {
  const outcome = authenticate(`Bearer ${token}`, tokens);
  return "role" in outcome ? outcome.role : undefined;
}

export function issueSession(role: Role, tokens: ApiTokens, now: Date): UiSession {
  const token = configuredToken(role, tokens);
  const expiry = Math.floor(now.getTime() / 1000) + sessionSeconds;
  const signed = `${role}.${expiry}`;
  return { role, expiresAt: new Date(expiry * 1000), cookieValue: `${signed}.${mac(keyOf(token, "session"), signed)}` };
}

const cookieValuePattern = /^(read|operator)\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** The session a cookie value proves: its MAC matches under its role's token and it has not expired. */
export function verifySession(value: string | undefined, tokens: ApiTokens, now: Date): UiSession | undefined {
  const match = value === undefined ? null : cookieValuePattern.exec(value);
  if (match === null || value === undefined) {
    return undefined;
  }
  const role = match[1] as Role;
  const token = tokenOf(role, tokens);
  const expiry = Number(match[2]);
  if (token === undefined || !sameMac(match[3], mac(keyOf(token, "session"), `${role}.${expiry}`)) || expiry * 1000 <= now.getTime()) {
    return undefined;
  }
  return { role, expiresAt: new Date(expiry * 1000), cookieValue: value };
}

/** The form token of a session: every POST form of the session carries it. */
export function formToken(session: UiSession, tokens: ApiTokens): string {
  return mac(keyOf(configuredToken(session.role, tokens), "form"), session.cookieValue);
}

export function isFormTokenOf(session: UiSession, tokens: ApiTokens, given: string | undefined): boolean {
  return given !== undefined && sameMac(given, formToken(session, tokens));
}

/** A fresh login nonce, for the login cookie and the form's hidden field alike. */
export function newLoginNonce(): string {
  return randomBytes(24).toString("base64url");
}

export function isLoginNonce(cookie: string | undefined, field: string | undefined): boolean {
  return cookie !== undefined && field !== undefined && /^[A-Za-z0-9_-]{32}$/.test(cookie) && sameMac(field, cookie);
}

/** The value of a cookie of the request, or undefined. */
export function cookieOf(request: IncomingMessage, name: string): string | undefined {
  const header = request.headers.cookie ?? "";
  for (const part of header.slice(0, 8192).split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      return part.slice(separator + 1).trim();
    }
  }
  return undefined;
}

/** Whether the request reached the service over TLS, directly or through a proxy that says so. */
function overTls(request: IncomingMessage): boolean {
  const forwarded = request.headers["x-forwarded-proto"];
  const proto = Array.isArray(forwarded) ? forwarded[0] : forwarded;
  return ("encrypted" in request.socket && request.socket.encrypted === true) || proto?.split(",")[0]?.trim().toLowerCase() === "https";
}

/** A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure over TLS; `maxAge` 0 deletes it. */
export function setCookie(request: IncomingMessage, name: string, value: string, maxAge: number): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${overTls(request) ? "; Secure" : ""}`;
}

/**
 * Whether a POST comes from a page of this service, as far as the browser says. `Sec-Fetch-Site`,
 * which no page can set, decides when sent: it must be `same-origin`. Without it, `Origin` must name
 * this host, unless it is `null`, which browsers send for a same-origin form under
 * `Referrer-Policy: no-referrer`. Clients that send neither (curl, old browsers) rely on the form
 * token and the SameSite=Strict cookie alone.
 */
export function isSameOrigin(request: IncomingMessage): boolean {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined) {
    return site === "same-origin";
  }
  const origin = request.headers.origin;
  if (origin === undefined || origin === "null") {
    return true;
  }
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

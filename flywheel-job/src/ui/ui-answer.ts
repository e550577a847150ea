import type { Answer } from "../api/answer";
import type { Html } from "./html";
import { stylesheet } from "./style";

/**
 * What every answer of the review UI carries. The policy allows the one stylesheet and forms to this
 * service and the icon, nothing else: no script, no inline style, no frame, no base, no image from
 * elsewhere (charts are inline SVG, which needs no image source; `img-src 'self'` is for the icon,
 * without which browsers ask for `/favicon.ico` on every page).
 */
export const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const securityHeaders: Readonly<Record<string, string>> = {
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** A page: never cached, since it shows records as they are now and only to a session. */
export function pageAnswer(status: number, page: Html, headers: Readonly<Record<string, string>> = {}): Answer {
  return { status, body: undefined, text: { contentType: "text/html; charset=utf-8", content: page.markup }, headers: { ...securityHeaders, "cache-control": "no-store", ...headers } };
}

/** 303 See Other to one of the UI's own paths (never a location a request chose). */
export function redirectAnswer(location: string, headers: Readonly<Record<string, string>> = {}): Answer {
  return { status: 303, body: undefined, text: { contentType: "text/plain; charset=utf-8", content: "" }, headers: { ...securityHeaders, "cache-control": "no-store", location, ...headers } };
}

/** The stylesheet or the icon: the same for everyone, so they may be cached briefly. */
export function staticAnswer(asset: "style" | "icon"): Answer {
  const text = asset === "style" ? { contentType: "text/css; charset=utf-8", content: stylesheet } : { contentType: "image/svg+xml", content: icon };
  return { status: 200, body: undefined, text, headers: { ...securityHeaders, "cache-control": "public, max-age=300" } };
}

/** A flywheel: a ring with three spokes. */
const icon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="6.5" fill="none" stroke="#0b5cad" stroke-width="2"/><path d="M8 8V2M8 8l5.2 3M8 8l-5.2 3" stroke="#0b5cad" stroke-width="1.5"/></svg>`;

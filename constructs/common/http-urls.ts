import { fail } from "./errors";

/**
 * An http(s) URL without query or fragment; returns it without a trailing slash so callers can
 * append paths.
 */
export function validateHttpUrl(owner: string, prop: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(owner, `${prop} "${value}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    fail(owner, `${prop} "${value}" must be an http:// or https:// URL`);
  }
  if (url.search !== "" || url.hash !== "") {
    fail(owner, `${prop} "${value}" must not have a query or fragment`);
  }
  return value.replace(/\/+$/, "");
}

/**
 * The root of a service (scheme, host and port only). The constructs append the API paths
 * themselves, so a root that already carries one (e.g. `…/v1/hf`) would end up doubled.
 */
export function validateServiceRoot(owner: string, prop: string, value: string): string {
  const root = validateHttpUrl(owner, prop, value);
  if (new URL(root).pathname !== "/") {
    fail(owner, `${prop} "${value}" must be the service root (scheme, host and port, no path): the construct appends the API path itself`);
  }
  return root;
}

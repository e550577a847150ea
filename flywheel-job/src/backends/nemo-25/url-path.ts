/**
 * A URL path segment for a name such as `default/model@cust-abc`: each part percent-encoded, with the
 * slashes between namespace and name kept and `@` left as is (it is valid in a path and the services
 * expect it literally).
 */
export function namePath(name: string): string {
  return name
    .split("/")
    .map((part) => encodeURIComponent(part).replace(/%40/g, "@"))
    .join("/");
}

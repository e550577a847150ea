/**
 * What `action` returns, as a promise, and what it throws, as the promise's rejection: what an async
 * function without an await does, for the implementation of an asynchronous interface that has
 * nothing to wait for.
 */
export function promised<T>(action: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(action()));
}

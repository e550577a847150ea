/**
 * Logs in to the review UI at `url` as a browser does: the form's nonce and login cookie, then the
 * token, posted. Returns the session cookie (`name=value`) the 303 sets.
 */
export async function logInToReviewUi(url: string, token: string): Promise<string> {
  const form = await fetch(`${url}/login`);
  const loginCookie = form.headers.getSetCookie()[0].split(";")[0];
  const nonce = /name="nonce" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const answer = await fetch(`${url}/login`, { method: "POST", redirect: "manual", headers: { cookie: loginCookie, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ nonce, token }) });
  if (answer.status !== 303) {
    throw new Error(`logging in to ${url} answered ${answer.status}, not 303: ${await answer.text()}`);
  }
  return answer.headers.getSetCookie()[0].split(";")[0];
}

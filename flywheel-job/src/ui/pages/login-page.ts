import { missing } from "../components";
import { type Html, html } from "../html";
import { layout } from "../layout";
import { uiRoutes } from "../ui-paths";
import { sessionSeconds } from "../ui-session";

/** The login form: the API's read token opens a read-only session, the operator token one that may cancel runs. */
export function loginPage(nonce: string, problem?: string): Html {
  return layout(
    { title: "Log in" },
    html`${problem === undefined ? "" : missing(problem)}
<form class="login" method="post" action="${uiRoutes.login}">
<input type="hidden" name="nonce" value="${nonce}">
<label for="login-token">API token (read-only or operator)<input id="login-token" name="token" type="password" autocomplete="current-password" required maxlength="1024"></label>
<button type="submit">Log in</button>
</form>
<p class="note">The read token opens a read-only session; the operator token also lets you cancel a run. The session ends after ${sessionSeconds / 3600} hours, when you log out, or when the token is rotated.</p>`,
  );
}

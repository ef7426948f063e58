// Sign-in: the login form (stable hook: form[data-testid="login"], inputs username and
// password), then an active project for the session.

import { Api, ApiError, messageOf } from "./api";
import { h } from "./dom";
import type { Me } from "./types";

/** Resolves with the signed-in user once they have an active project. */
export async function signIn(api: Api, root: HTMLElement): Promise<Me> {
  let me = await api.me().catch(() => null);
  while (me === null) {
    await loginForm(api, root);
    me = await api.me();
  }
  return me.project_id ? me : chooseProject(api, root, me);
}

function loginForm(api: Api, root: HTMLElement): Promise<void> {
  return new Promise((resolve) => {
    const error = h("p", { class: "error", role: "alert" });
    const username = h("input", { id: "login-username", name: "username", autocomplete: "username", required: true });
    const password = h("input", {
      id: "login-password",
      name: "password",
      type: "password",
      autocomplete: "current-password",
      required: true,
    });
    const submit = h("button", { type: "submit" }, "Log in");
    const form = h(
      "form",
      { "data-testid": "login", class: "login", "aria-labelledby": "login-title" },
      h("h1", { id: "login-title" }, "Log in to Parley"),
      h("label", { for: "login-username" }, "Username"),
      username,
      h("label", { for: "login-password" }, "Password"),
      password,
      submit,
      error,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit.disabled = true;
      error.textContent = "";
      api
        .login(username.value, password.value)
        .then(() => resolve())
        .catch((failure: unknown) => {
          error.textContent =
            failure instanceof ApiError && failure.status === 401 ? "Wrong username or password." : messageOf(failure);
          submit.disabled = false;
          password.select();
        });
    });
    root.replaceChildren(form);
    username.focus();
  });
}

async function chooseProject(api: Api, root: HTMLElement, me: Me): Promise<Me> {
  const projects = await api.projects();
  const only = projects.length === 1 ? projects[0] : undefined;
  if (only) return api.activate(only.id);
  if (projects.length === 0) {
    root.replaceChildren(
      h("p", { class: "error", role: "alert" }, `${me.user.username} is in no project yet; ask a project owner to add you.`),
    );
    return new Promise(() => undefined); // nothing to search
  }
  return new Promise((resolve) => {
    const list = h("ul", { class: "projects" });
    for (const project of projects) {
      list.append(
        h("li", {}, h("button", { type: "button", onclick: () => void api.activate(project.id).then(resolve) }, project.name)),
      );
    }
    root.replaceChildren(h("h1", {}, "Choose a project"), list);
    list.querySelector("button")?.focus();
  });
}

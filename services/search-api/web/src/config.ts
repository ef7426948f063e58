// What the server wrote into the page (<body data-…>), read once.

export interface Config {
  authUrl: string; // where auth answers; "" is this page's own origin
  chatwootOrigin: string; // the only origin whose appContext the panel accepts; "" none
}

export function readConfig(): Config {
  const data = document.body.dataset;
  return { authUrl: data["authUrl"] ?? "", chatwootOrigin: data["chatwootOrigin"] ?? "" };
}

// Builds the web UI into the search-api package (committed; tests/browser checks that this
// build reproduces it byte for byte): `npm ci && npm run build [-- <outdir>]`.
import * as esbuild from "esbuild";

const outdir = process.argv[2] ?? "../src/parley_search_api/app/static";

await esbuild.build({
  entryPoints: ["src/search.ts", "src/panel.ts", "src/app.css"],
  outdir,
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome120", "firefox120"],
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
});

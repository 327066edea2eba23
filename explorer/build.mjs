// Builds the explorer (/explore) into assets/explorer/, which the binary embeds:
//   - type-checks src/ (tsc), then bundles src/main.ts with its npm packages (esbuild, pinned in
//     package-lock.json) into explorer.js;
//   - copies static/ (the page and its stylesheet);
//   - vendors world-atlas' Natural Earth country outlines as vendor/countries-110m-<version>.json;
//   - writes vendor/LICENSES.txt: the licence of every package in the bundle or vendored.
//
//   npm ci --prefix explorer && node explorer/build.mjs          # (re)write assets/explorer/
//   npm ci --prefix explorer && node explorer/build.mjs --check  # fail unless the committed build is exactly this
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "assets", "explorer");
const check = process.argv.includes("--check");
const out = check ? mkdtempSync(join(tmpdir(), "citynet-explorer-")) : target;
const modules = join(here, "node_modules");

execFileSync(join(modules, ".bin", "tsc"), ["-p", join(here, "tsconfig.json")], { stdio: "inherit" });

const files = new Map();
const built = await esbuild.build({
  entryPoints: [join(here, "src", "main.ts")],
  bundle: true,
  format: "iife",
  target: "es2020",
  minify: true,
  legalComments: "none",
  charset: "utf8",
  metafile: true,
  absWorkingDir: here,
  write: false,
  outfile: "explorer.js",
});
files.set("explorer.js", Buffer.from(built.outputFiles[0].contents));

for (const name of readdirSync(join(here, "static"))) {
  files.set(name, readFileSync(join(here, "static", name)));
}

const packageOf = (path) => {
  const parts = relative(modules, join(here, path)).split(/[\\/]/);
  if (parts[0] === ".." || parts.length < 2) return null;
  return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
};
const packages = new Set(Object.keys(built.metafile.inputs).map(packageOf).filter(Boolean));
packages.add("world-atlas");
const atlas = JSON.parse(readFileSync(join(modules, "world-atlas", "package.json"), "utf8"));
files.set(
  `vendor/countries-110m-${atlas.version}.json`,
  readFileSync(join(modules, "world-atlas", "countries-110m.json")),
);
const licences = [...packages].sort().map((name) => {
  const dir = join(modules, name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  if (!file) throw new Error(`${name} ships no licence file`);
  return `${name}@${meta.version} (${meta.license})\n\n${readFileSync(join(dir, file), "utf8").trim()}\n`;
});
files.set(
  "vendor/LICENSES.txt",
  Buffer.from(
    "Third-party code in explorer.js and vendor/, from npm packages pinned in explorer/package-lock.json.\n" +
      "The country outlines are Natural Earth's (public domain), as packaged by world-atlas.\n\n" +
      licences.join("\n" + "-".repeat(78) + "\n\n"),
  ),
);

let mismatches = 0;
for (const [name, content] of files) {
  const path = join(target, name);
  if (check) {
    if (!existsSync(path) || !readFileSync(path).equals(content)) {
      console.error(`differs from the build: assets/explorer/${name}`);
      mismatches += 1;
    }
  } else {
    mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), content);
    console.log(`assets/explorer/${name} (${content.length} bytes)`);
  }
}
if (check) {
  const walk = (dir) =>
    readdirSync(join(target, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name).replaceAll("\\", "/")],
    );
  for (const name of existsSync(target) ? walk("") : []) {
    if (!files.has(name)) {
      console.error(`not part of the build: assets/explorer/${name}`);
      mismatches += 1;
    }
  }
  rmSync(out, { recursive: true, force: true });
  if (mismatches > 0) {
    console.error(`${mismatches} file(s) differ; run: node explorer/build.mjs`);
    process.exit(1);
  }
  console.log("assets/explorer matches a fresh build of explorer/");
}

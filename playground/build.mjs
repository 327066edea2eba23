// Fetches the playground's third-party assets (see vendor.json) from the npm registry into
// assets/playground/vendor/, verifying each package tarball against its pinned integrity hash.
//
//   node playground/build.mjs          # (re)write assets/playground/vendor/
//   node playground/build.mjs --check  # fail unless the committed files are exactly these
//
// Needs node and npm (and `tar`); no npm dependencies of its own.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vendorDir = join(here, "..", "assets", "playground", "vendor");
const check = process.argv.includes("--check");
const { packages } = JSON.parse(readFileSync(join(here, "vendor.json"), "utf8"));
const work = mkdtempSync(join(tmpdir(), "citynet-playground-"));

let mismatches = 0;
try {
  for (const pkg of packages) {
    const spec = `${pkg.name}@${pkg.version}`;
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", spec, "--json", "--pack-destination", work], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      }),
    );
    const tarball = join(work, packed.filename);
    const integrity = "sha512-" + createHash("sha512").update(readFileSync(tarball)).digest("base64");
    if (integrity !== pkg.integrity) {
      throw new Error(`${spec}: integrity ${integrity} does not match the pinned ${pkg.integrity}`);
    }
    const unpacked = join(work, pkg.name);
    mkdirSync(unpacked, { recursive: true });
    execFileSync("tar", ["xzf", tarball, "-C", unpacked]);
    for (const [from, to] of Object.entries(pkg.files)) {
      const content = readFileSync(join(unpacked, "package", from));
      const target = join(vendorDir, to);
      if (check) {
        const same = existsSync(target) && readFileSync(target).equals(content);
        if (!same) {
          console.error(`differs from ${spec}/${from}: assets/playground/vendor/${to}`);
          mismatches += 1;
        }
      } else {
        mkdirSync(vendorDir, { recursive: true });
        writeFileSync(target, content);
        console.log(`${spec}/${from} -> assets/playground/vendor/${to}`);
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (check) {
  if (mismatches > 0) {
    console.error(`${mismatches} vendored file(s) differ; run: node playground/build.mjs`);
    process.exit(1);
  }
  console.log("playground assets match vendor.json");
}

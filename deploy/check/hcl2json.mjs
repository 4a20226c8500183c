// Parses the HCL files named as arguments (.tf, .tfvars) with @cdktf/hcl2json, Terraform's own HCL parser
// compiled to WebAssembly, and prints one JSON object { "<path>": <parsed>, ... } on stdout.
// EdgeCache.Deploy.Tests checks deploy/terraform with it, since no Terraform binary can be installed there.
// A file that does not parse is left out of the object and named on stderr as one line "<path>: <message>";
// every file is tried, so one run lists every failure. Exits 1 when any file failed, 2 on bad usage.
import { readFile } from "node:fs/promises";
import { parse } from "@cdktf/hcl2json";

const paths = process.argv.slice(2);
if (paths.length === 0) {
  process.stderr.write("usage: node hcl2json.mjs FILE.tf...\n");
  process.exit(2);
}

const parsed = {};
const failures = [];
for (const path of paths) {
  try {
    parsed[path] = await parse(path, await readFile(path, "utf8"));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    failures.push(`${path}: ${message.replace(/\s*\n\s*/g, " ")}\n`);
  }
}

process.stderr.write(failures.join(""));
// The Go runtime inside the WebAssembly module keeps the event loop alive: leave once stdout is flushed.
process.stdout.write(JSON.stringify(parsed), () => process.exit(failures.length === 0 ? 0 : 1));

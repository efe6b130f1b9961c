// One of scripts/test.mjs's workers: runs test files one after another in this process, each asked of
// the parent as the last one ends (so that the files spread over the workers by their length), until
// the parent has none left. A file's tests run inside a suite named by the file, so that its top-level
// hooks (`before`, `after`) run around its own tests, as in a process of its own; each file still
// starts its own systems (its own database), and only what every file imports is loaded once.

import { resolve } from "node:path";
import { describe } from "node:test";
import { pathToFileURL } from "node:url";
import { timeFile } from "../test/helpers/timing.ts";

/** The next file from the parent, or undefined when none is left. */
function next() {
  return new Promise((answer) => {
    process.once("message", (message) => answer(message.file));
    process.send({ ready: true });
  });
}

for (let file = await next(); file; file = await next()) {
  const url = pathToFileURL(resolve(file)).href;
  await timeFile(file, () => describe(file, async () => void (await import(url))));
}
process.disconnect();
// A file that left a timer or a socket behind keeps the process alive: after a grace, say what is left
// and end, rather than hang the run.
setTimeout(() => {
  console.error(
    `test worker ${process.pid}: still open after its files ended:`,
    process.getActiveResourcesInfo(),
  );
  process.exit(process.exitCode || 1);
}, 30_000).unref();

// The live part of scripts/test.mjs's output: a line for each file as it ends (its workers run many
// files, whose full reports are printed at the end), and each failing test as it fails.
export default async function* progress(source) {
  const path = [];
  for await (const event of source) {
    const { name, nesting, details } = event.data ?? {};
    if (event.type === "test:start") path[nesting] = name;
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const failed = event.type === "test:fail";
    const seconds = `${((details?.duration_ms ?? 0) / 1000).toFixed(1)} s`;
    if (nesting === 0) yield `${failed ? "✖" : "✔"} ${name} (${seconds})\n`;
    else if (failed && details?.type !== "suite") {
      const cause = details?.error?.cause ?? details?.error;
      const message = String(cause?.message ?? cause ?? "")
        .split("\n")[0]
        .slice(0, 300);
      yield `  ✖ ${[...path.slice(0, nesting), name].join(" › ")}\n    ${message}\n`;
    }
  }
}

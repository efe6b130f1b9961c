// `npm start` is what a newcomer runs and what a supervisor stops: SIGTERM or SIGINT to it must stop
// the server too, freeing the port and the embedded data folder (the tsx wrapper once kept them).
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually } from "./helpers/system.ts";
import { freshDatabase, startHoviat } from "./ops-processes.ts";

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`${signal} to npm start stops the server and frees the data folder`, async () => {
    // A migrated copy of the run's template: what is tested is the stop, not a first start.
    const database = await freshDatabase();
    try {
      const { env } = database;
      const first = await startHoviat(env, ["npm", "start", "--silent"]);
      // npm reports the signal (exit 143 or 130, or killed by it); what matters is the server behind it.
      await first.stop(signal);
      const down = await eventually(() =>
        fetch(`${first.url}/healthz`).then(
          () => undefined,
          () => true,
        ),
      );
      assert.equal(down, true);
      // The folder is free: a second server opens it at once.
      const second = await startHoviat(env);
      assert.equal(await second.stop(), 0);
    } finally {
      await database.drop();
    }
  });
}

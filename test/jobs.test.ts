// Jobs.insertFrom writes pg-boss's job row itself (one round trip with the row it is for): the row
// must be the one boss.send() would write, on every queue we use, or an upgrade of pg-boss broke it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import { QUEUES } from "../src/worker.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem({ WORKER: "false" });
});
after(() => sys.stop());

const COLUMNS = `name, priority, data, state, retry_limit, retry_count, retry_delay, retry_backoff,
  singleton_key, singleton_on, expire_in, keep_until - start_after as kept, start_after <= now() as due,
  output, dead_letter, policy`;

async function jobRow(id: string): Promise<Record<string, unknown>> {
  const r = await sys.database.pool.query(`select ${COLUMNS} from pgboss.job where data->>'id' = $1`, [id]);
  assert.equal(r.rowCount, 1);
  return r.rows[0];
}

for (const queue of Object.values(QUEUES)) {
  test(`${queue.name}: a job written by insertFrom is the one boss.send writes`, async () => {
    const sent = crypto.randomUUID();
    await sys.jobs.boss.send(queue.name, { id: sent });
    const written = crypto.randomUUID();
    await sql`with f as (select ${written}::uuid as id) ${sys.jobs.insertFrom(queue.name, "f")} `.execute(
      sys.db,
    );
    const [a, b] = [await jobRow(sent), await jobRow(written)];
    assert.deepEqual({ ...b, data: null }, { ...a, data: null });
    assert.deepEqual(b.data, { id: written });
  });
}

// The development providers honour the same contracts as the real ones.
import { after, before } from "node:test";
import { OutboxEmail, OutboxSms } from "../../src/adapters/outbox/outbox.ts";
import { RegistrySimulator } from "../../src/adapters/simulator/registry-simulator.ts";
import { emailContract } from "../contracts/email-contract.ts";
import { registryContract } from "../contracts/registry-contract.ts";
import { smsContract } from "../contracts/sms-contract.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem({ WORKER: "false" });
});
after(() => sys.stop());

const rows = (channel: "sms" | "email") =>
  sys.db
    .selectFrom("outbox")
    .select(["message_id as id", "recipient as to", "body"])
    .where("channel", "=", channel)
    .orderBy("created_at")
    .execute();

smsContract("outbox", async () => ({
  sender: new OutboxSms(sys.db, () => sys.clock.now()),
  delivered: async () => (await rows("sms")).map((r) => ({ id: r.id, to: r.to, text: r.body })),
}));

emailContract("outbox", async () => ({
  sender: new OutboxEmail(sys.db, () => sys.clock.now()),
  delivered: async () =>
    (await rows("email")).map((r) => {
      const [subject = "", ...text] = r.body.split("\n\n");
      return { id: r.id, to: r.to, subject, text: text.join("\n\n") };
    }),
}));

registryContract("simulator (in process)", async () => {
  const simulator = RegistrySimulator.fromFile("fixtures/registry.demo.json");
  return { registry: simulator, outage: (down) => (simulator.outage = down) };
});

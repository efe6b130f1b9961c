import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { relyingPartyOf } from "./webauthn.ts";

describe("the relying party of PUBLIC_URL", () => {
  test("a public address: its host, its one origin", () => {
    assert.deepEqual(relyingPartyOf("https://hoviat.example.ir", "Hoviat"), {
      id: "hoviat.example.ir",
      origins: ["https://hoviat.example.ir"],
      name: "Hoviat",
    });
  });

  test("a loopback address: RP ID localhost (a browser refuses an IP), any local port", () => {
    const rp = relyingPartyOf("http://127.0.0.1:3000");
    assert.equal(rp.id, "localhost");
    assert.deepEqual(rp.origins, ["http://localhost:3000", "http://127.0.0.1:3000"]);
    assert.equal(rp.anyLocalPort, true);
    assert.equal(relyingPartyOf("http://localhost:8080").id, "localhost");
  });
});

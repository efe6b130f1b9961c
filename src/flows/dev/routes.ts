// The development outbox: what the `outbox` SMS/email provider delivered. Mounted only with that
// provider, which production configuration refuses.
import { Type } from "typebox";
import { readOutbox } from "../../adapters/outbox/outbox.ts";
import { parseMobile } from "../../domain/mobile.ts";
import type { Db } from "../../platform/database.ts";
import type { Http } from "../../platform/http.ts";

export function devRoutes(app: Http, deps: { db: Db }) {
  const querystring = Type.Object({
    to: Type.Optional(Type.String({ maxLength: 254 })),
    lang: Type.Optional(Type.String()),
  });
  app.get("/api/dev/outbox", { schema: { querystring } }, async (request) => {
    const to = request.query.to?.trim();
    const mobile = to ? parseMobile(to) : undefined;
    const rows = await readOutbox(deps.db, mobile?.ok ? mobile.value : to);
    return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
  });
}

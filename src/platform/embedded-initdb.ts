// Child process of openDatabase (embedded): creates a fresh PGlite data folder and exits. initdb
// leaves ~700 MiB resident (the WebAssembly heap it grew, the code V8 compiled for it) that a
// process never gives back; run here, the server opens the finished folder at its resting size.
import { PGlite } from "@electric-sql/pglite";
import { EMBEDDED_CONF } from "./embedded-conf.ts";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: embedded-initdb.ts <data dir>");
const lite = await PGlite.create(dataDir, { postgresqlconf: EMBEDDED_CONF });
await lite.close();

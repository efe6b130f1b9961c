// For the fault campaign only (`node --import ./bench/clock-offset.ts`, through NODE_OPTIONS): the
// process's wall clock moves by the milliseconds written in HOVIAT_CLOCK_OFFSET_FILE, read every 200 ms,
// as when NTP steps a host's clock or a VM resumes. Date.now() and `new Date()` move; timers and
// performance.now() do not, as on Linux, where they run on the monotonic clock. The host's clock is
// shared with others on this machine and libfaketime is not installed, hence this preload.
import { readFileSync } from "node:fs";

const file = process.env.HOVIAT_CLOCK_OFFSET_FILE;
if (file) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  let offset = 0;
  const read = () => {
    try {
      offset = Number(readFileSync(file, "utf8").trim()) || 0;
    } catch {
      offset = 0;
    }
  };
  read();
  setInterval(read, 200).unref();
  RealDate.now = () => realNow() + offset;
  globalThis.Date = new Proxy(RealDate, {
    construct(target, args, newTarget) {
      return args.length
        ? Reflect.construct(target, args, newTarget)
        : Reflect.construct(target, [realNow() + offset], newTarget);
    },
    apply() {
      return new RealDate(realNow() + offset).toString();
    },
  });
}

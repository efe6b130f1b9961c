// V8 grows its young generation to its largest semi-spaces (2 × 64 MiB) during start-up's burst of
// allocations and keeps them for good: an ordinary collection never gives them back, and nor does
// an idle process. A memory-reducing collection (the "last resort" one V8 runs when memory is short)
// does, so a process at rest holds what it uses; under load the young generation grows back as
// before. It pauses the event loop (123–153 ms measured on the embedded default), so it runs only once
// the system is up and when the process falls idle after work, never under load.
import v8 from "node:v8";
import vm from "node:vm";

type Collect = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

let collect: Collect | undefined;

/** `gc` is not a global without `--expose-gc`; the flag set at run time exposes it in new contexts. */
function collector(): Collect {
  if (!collect) {
    v8.setFlagsFromString("--expose-gc");
    collect = vm.runInNewContext("gc") as Collect;
  }
  return collect;
}

/** Collects everything collectable and gives V8's spare heap back; returns the pause in ms. */
export function releaseMemory(): number {
  const started = performance.now();
  collector()({ type: "major", execution: "sync", flavor: "last-resort" });
  return performance.now() - started;
}

const processCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Every `intervalMs`, reads the process's CPU over that interval; after an interval above
 * `idleShare` of one core (work), the first one below it (idle) releases memory once. At rest the
 * embedded default spends about 5 % of a core polling its job queues, hence 10 %.
 */
export function releaseMemoryWhenIdle(
  options: {
    intervalMs?: number;
    idleShare?: number;
    cpuMs?: () => number;
    release?: () => number;
    onRelease?: (pauseMs: number) => void;
  } = {},
): () => void {
  const intervalMs = options.intervalMs ?? 30_000;
  const idleShare = options.idleShare ?? 0.1;
  const cpuMs = options.cpuMs ?? processCpuMs;
  const release = options.release ?? releaseMemory;
  let last = cpuMs();
  let workedSinceRelease = false;
  const timer = setInterval(() => {
    const now = cpuMs();
    const share = (now - last) / intervalMs;
    last = now;
    if (share > idleShare) workedSinceRelease = true;
    else if (workedSinceRelease) {
      workedSinceRelease = false;
      options.onRelease?.(release());
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

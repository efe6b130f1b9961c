// The slice of autocannon 8's programmatic API the bench uses (the package ships no types).
declare module "autocannon" {
  export type Req = { method?: string; path?: string; headers?: Record<string, string>; body?: string };
  export type Options = {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: Array<Req & { setupRequest?: (req: Req, context: object) => Req }>;
  };
  export type Histogram = { mean: number; p50: number; p99: number; average: number; total: number };
  export type Result = {
    latency: Histogram;
    requests: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    statusCodeStats: Record<string, { count: number }>;
  };
  export default function autocannon(options: Options): Promise<Result>;
}

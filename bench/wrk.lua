-- wrk script of the bench (lib.ts `load`): POSTs the requests of a file in turn, one per line as
-- "<X-Forwarded-For or empty>\t<JSON body>", counts answers per status and prints one JSON line.
-- Usage: wrk -t1 -c<N> -d<S>s -s bench/wrk.lua http://127.0.0.1:<port> -- <path> <requests file>
local requests = {}
local turn = 0
-- Global, so that done() can read each thread's copy with thread:get.
codes = {}

function init(args)
  local path, file = args[1], args[2]
  for line in io.lines(file) do
    local xff, body = line:match("^([^\t]*)\t(.*)$")
    local headers = { ["Content-Type"] = "application/json" }
    if xff ~= "" then headers["X-Forwarded-For"] = xff end
    requests[#requests + 1] = wrk.format("POST", path, headers, body)
  end
end

function request()
  turn = turn % #requests + 1
  return requests[turn]
end

function response(status)
  codes[status] = (codes[status] or 0) + 1
end

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency)
  local all = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("codes")) do all[status] = (all[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(all) do parts[#parts + 1] = string.format('"%d":%d', status, n) end
  local e = summary.errors
  io.write(string.format(
    '\n{"durationUs":%d,"requests":%d,"meanUs":%f,"p50Us":%d,"p99Us":%d,"errors":%d,"codes":{%s}}\n',
    summary.duration, summary.requests, latency.mean, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end

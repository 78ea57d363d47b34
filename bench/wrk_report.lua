-- wrk script of the benchmark: prints one JSON line at the end (rate, p50/p95, errors).
-- Optional, set by bench/bench.py through the environment:
--   BENCH_VARY=1         append "&_=<n>" (or "?_=<n>") to the path, n different on every request,
--                        so that no cache can answer (the API ignores unknown query parameters);
--   BENCH_PATHS=a|b|c    choose each request's path at random among these (the mixed load).
local vary = os.getenv("BENCH_VARY") == "1"
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "", "[^|]+") do
  paths[#paths + 1] = p
end
local counter = 0
local prefix = os.getenv("BENCH_VARY_PREFIX") or "0"

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local path = wrk.path
  if #paths > 0 then
    path = paths[math.random(1, #paths)]
  end
  if vary then
    counter = counter + 1
    local sep = "?"
    if string.find(path, "?", 1, true) then sep = "&" end
    path = path .. sep .. "_=" .. prefix .. "-" .. counter
  end
  return wrk.format(nil, path)
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1000000
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rate": %.3f, "p50_ms": %.3f, "p95_ms": %.3f, "max_ms": %.3f, ' ..
    '"bytes": %d, "non_2xx_3xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency.max / 1000,
    summary.bytes, e.status, e.connect + e.read + e.write + e.timeout))
end

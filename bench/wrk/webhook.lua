-- wrk script for the webhook benchmarks (bench/ack, bench/latency).
--
-- MODE=webhook (default): POSTs precomputed, correctly signed Oneflow notifications from the
--   file BODIES (one JSON body a line) to WEBHOOK_PATH. Thread i of THREADS takes every
--   THREADS-th line, so no two requests share a callback_id until a thread runs out of
--   bodies and wraps around (those answers are counted as duplicates).
-- MODE=health: GET /health, the baseline.
-- RATE_PER_CONNECTION (optional): pace each connection to that many requests/s (wrk's
--   delay()), for a fixed overall rate = connections × RATE_PER_CONNECTION.
--
-- done() prints one line "RESULT {json}" with counts by outcome and latency percentiles (µs).

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  mode = os.getenv("MODE") or "webhook"
  path = os.getenv("WEBHOOK_PATH")
  headers = { ["Content-Type"] = "application/json" }
  bodies, index = {}, 0
  accepted, duplicate, s5xx, other = 0, 0, 0, 0
  if mode == "webhook" then
    local stride, n = tonumber(os.getenv("THREADS")), 0
    for line in io.lines(os.getenv("BODIES")) do
      if n % stride == id then bodies[#bodies + 1] = line end
      n = n + 1
    end
  end
end

local rate = tonumber(os.getenv("RATE_PER_CONNECTION") or "")
if rate then
  function delay()
    return 1000 / rate
  end
end

function request()
  if mode == "health" then
    return wrk.format("GET", "/health")
  end
  index = index + 1
  if index > #bodies then index = 1 end
  return wrk.format("POST", path, headers, bodies[index])
end

function response(status, headers, body)
  if status >= 500 then
    s5xx = s5xx + 1
  elseif status ~= 200 then
    other = other + 1
  elseif mode == "health" or body:find('"accepted"', 1, true) then
    accepted = accepted + 1
  else
    duplicate = duplicate + 1
  end
end

function done(summary, latency, requests)
  local totals = { accepted = 0, duplicate = 0, s5xx = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + thread:get(key) end
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"ok":%d,"duplicate":%d,"s5xx":%d,"other":%d,' ..
    '"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, totals.accepted, totals.duplicate, totals.s5xx, totals.other,
    e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end

-- wrk script: POST one survey submission per request, each with a fresh random submission_id.
--
--   wrk -t1 -c64 -d12s --timeout 10s -s bench/post.lua URL -- BODIES SEED [THINK_MS]
--
-- BODIES is a text file written by bench/run.py: line 1 is the body up to the opening quote of
-- the submission_id value, every further line a possible rest of the body (different answers).
-- Each request is  line1 .. uuid4 .. one random further line,  so no two requests share a
-- submission_id (the server's idempotency would otherwise turn every repeat into a no-op).
-- SEED seeds math.random; every wrk thread gets its own seed (SEED + thread number).
-- THINK_MS > 0 adds a random pause (exponential, that mean) before each request on a
-- connection: wrk's delay() hook, used by run.py to offer a lower rate on 64 connections.
-- done() prints one line "BENCHJSON {...}" that run.py parses (latencies in microseconds).

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("thread_number", counter)
   table.insert(threads, thread)
end

local prefix, rests, nrests
local random = math.random
local format = string.format
sent = 0
statuses = {}

local function uuid4()
   return format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x",
      random(0, 65535), random(0, 65535), random(0, 65535), random(0, 4095),
      32768 + random(0, 16383), random(0, 65535), random(0, 65535), random(0, 65535))
end

function init(args)
   local path = args[1]
   local seed = tonumber(args[2] or "1") + (thread_number or 0) * 7919
   local think = tonumber(args[3] or "0")
   math.randomseed(seed)
   for _ = 1, 10 do random() end
   local file = assert(io.open(path, "rb"))
   prefix = file:read("*l")
   rests = {}
   for line in file:lines() do
      if #line > 0 then table.insert(rests, line) end
   end
   file:close()
   nrests = #rests
   assert(nrests > 0, "no body variants in " .. path)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   if think > 0 then
      local log = math.log
      delay = function()
         return -think * log(1 - random())
      end
   end
end

function request()
   sent = sent + 1
   return wrk.format(nil, nil, nil, prefix .. uuid4() .. rests[random(1, nrests)])
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local codes, total_sent = {}, 0
   for _, thread in ipairs(threads) do
      total_sent = total_sent + (thread:get("sent") or 0)
      local seen = thread:get("statuses") or {}
      for code, n in pairs(seen) do codes[code] = (codes[code] or 0) + n end
   end
   local parts = {}
   for code, n in pairs(codes) do table.insert(parts, format('"%d":%d', code, n)) end
   local e = summary.errors
   io.write(format(
      'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"sent":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d},' ..
      '"statuses":{%s}}\n',
      summary.requests, summary.duration, summary.bytes, total_sent,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency.stdev, latency.max,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9),
      table.concat(parts, ",")))
end

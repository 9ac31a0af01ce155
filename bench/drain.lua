-- drain.lua - wrk script for bench/drain.sh: POSTs realistic logplex
-- batches of 100 frames to /logs, the way Heroku's logplex does
-- (application/logplex-1, RFC 6587 octet counting, Logplex-Msg-Count,
-- a fresh Logplex-Frame-Id per request, a drain token, Basic auth).
--
-- The line mix follows formats.md §1-§2: router lines, app lines,
-- dyno and Heroku Postgres metrics, Heroku Postgres server log lines
-- (durations), and now and then a too-many-connections FATAL that the
-- shipped rules alert on. Timestamps are "now" so nothing is late.
-- Environment: DRAIN_AUTH (the Authorization header value),
-- DRAIN_DELAY_MS (pause per connection between requests; unset = none).

local NBODIES = 32		-- distinct bodies each thread cycles through
local NFRAMES = 100		-- frames per request (logplex sends ~100 KB)

-- tid is a global on purpose: setup() runs in wrk's main Lua state and
-- thread:set() gives each thread's state its own global tid, which a
-- chunk-level local would shadow (then every thread sent the same
-- Frame-Ids, and dedup rightly dropped them).
local threads = {}
tid = 0
local counter = 0
local bodies = {}
local auth = os.getenv("DRAIN_AUTH") or ""
local pause = tonumber(os.getenv("DRAIN_DELAY_MS") or "")

function setup(thread)
	thread:set("tid", tid)
	tid = tid + 1
	table.insert(threads, thread)
end

local function uuid()
	return string.format("%04x%04x-%04x-4%03x-%04x-%04x%08x",
	    math.random(0, 0xffff), math.random(0, 0xffff),
	    math.random(0, 0xffff), math.random(0, 0xfff),
	    math.random(0x8000, 0xbfff), math.random(0, 0xffff),
	    math.random(0, 0x7fffffff))
end

local function line(ts, n)
	local r = math.random(100)
	if r <= 40 then
		return string.format("<158>1 %s host heroku router - at=info " ..
		    "method=GET path=\"/products/%d\" host=shop.herokuapp.com " ..
		    "request_id=%s fwd=\"181.167.%d.%d\" dyno=web.%d " ..
		    "connect=%dms service=%dms status=200 bytes=%d " ..
		    "protocol=https\n", ts, math.random(1, 5000), uuid(),
		    math.random(0, 255), math.random(0, 255), math.random(1, 4),
		    math.random(0, 2), math.random(1, 400),
		    math.random(200, 90000))
	elseif r <= 70 then
		return string.format("<190>1 %s host app web.%d - [GIN] " ..
		    "2022/06/13 - 14:52:23 | 200 |      %d.%02d\194\181s |  " ..
		    "181.167.87.140 | GET      \"/static/app-%d.css\"\n", ts,
		    math.random(1, 4), math.random(1, 999), math.random(0, 99),
		    math.random(1, 50))
	elseif r <= 80 then
		return string.format("<134>1 %s host heroku web.%d - " ..
		    "source=web.%d dyno=heroku.322071457.%s " ..
		    "sample#memory_total=%d.%02dMB sample#memory_rss=180.05MB " ..
		    "sample#memory_cache=0.38MB sample#memory_swap=0.00MB " ..
		    "sample#memory_pgpgin=84329pages " ..
		    "sample#memory_pgpgout=38140pages " ..
		    "sample#memory_quota=512.00MB\n", ts, n % 4 + 1, n % 4 + 1,
		    uuid(), math.random(100, 500), math.random(0, 99))
	elseif r <= 88 then
		return string.format("<134>1 %s host app heroku-postgres - " ..
		    "source=HEROKU_POSTGRESQL_YELLOW " ..
		    "addon=postgresql-reticulated-12345 " ..
		    "sample#current_transaction=%d " ..
		    "sample#db_size=10311979679bytes sample#tables=1443 " ..
		    "sample#active-connections=%d " ..
		    "sample#waiting-connections=0 " ..
		    "sample#index-cache-hit-rate=0.99814 " ..
		    "sample#table-cache-hit-rate=0.96729 " ..
		    "sample#load-avg-1m=0 sample#load-avg-5m=0 " ..
		    "sample#load-avg-15m=0 sample#read-iops=0 " ..
		    "sample#write-iops=0.21311 " ..
		    "sample#memory-total=8036340kB " ..
		    "sample#memory-free=80640kB\n", ts,
		    math.random(1, 99999999), math.random(1, 20))
	elseif r <= 99 then
		return string.format("<134>1 %s host app postgres.%d - " ..
		    "[YELLOW] [%d-1]  sql_error_code = 00000 time_ms = " ..
		    "\"2023-06-05 19:33:14.793 UTC\" pid=\"%d\" " ..
		    "database=\"shop\" user=\"u8abc\" " ..
		    "application_name=\"web.1\" LOG:  duration: %d.%03d ms  " ..
		    "statement: SELECT * FROM orders WHERE id = %d\n", ts,
		    math.random(1000, 99999), math.random(1, 999),
		    math.random(1000, 99999), math.random(0, 3000),
		    math.random(0, 999), math.random(1, 1000000))
	else
		return string.format("<134>1 %s host app postgres.%d - " ..
		    "[YELLOW] [%d-1]  sql_error_code = 53300 FATAL:  too many " ..
		    "connections for role \"u8abc\"\n", ts,
		    math.random(1000, 99999), math.random(1, 999))
	end
end

function init(args)
	local ts = os.date("!%Y-%m-%dT%H:%M:%S") .. ".000000+00:00"
	local b, i

	math.randomseed(tid * 7919 + 17)
	for b = 1, NBODIES do
		local frames = {}
		for i = 1, NFRAMES do
			local m = line(ts, i)
			frames[i] = #m .. " " .. m	-- # is bytes, not chars
		end
		bodies[b] = table.concat(frames)
	end
end

function request()
	counter = counter + 1
	local body = bodies[counter % NBODIES + 1]
	local headers = {
		["Content-Type"] = "application/logplex-1",
		["Logplex-Msg-Count"] = tostring(NFRAMES),
		["Logplex-Frame-Id"] = string.format("%08X%016X%08X", tid,
		    counter, NFRAMES),
		["Logplex-Drain-Token"] = "d.fc6b856b-3332-4546-93de-7d0ee272c3bd",
		["User-Agent"] = "Logplex/v49",
		["Authorization"] = auth,
	}
	return wrk.format("POST", "/logs", headers, body)
end

if pause ~= nil then
	function delay()
		return pause
	end
end

function done(summary, latency, requests)
	io.write(string.format("DRAIN_BENCH requests=%d duration_us=%d " ..
	    "p50_us=%d p90_us=%d p99_us=%d max_us=%d bytes=%d " ..
	    "err_connect=%d err_read=%d err_write=%d err_timeout=%d " ..
	    "non2xx=%d\n", summary.requests, summary.duration,
	    latency:percentile(50), latency:percentile(90),
	    latency:percentile(99), latency.max, summary.bytes,
	    summary.errors.connect, summary.errors.read,
	    summary.errors.write, summary.errors.timeout,
	    summary.errors.status))
end

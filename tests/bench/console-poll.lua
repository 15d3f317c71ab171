-- console-poll.lua - wrk script for tests/bench/console.sh: many console
-- sessions polling the dashboard's API through zhulan-web, as the
-- dashboard of a report user does every 5 seconds (status, the 24-hour
-- series, top applications, categories and departments of the last 10
-- minutes). Each request carries the next session's cookie in turn, so
-- every session is in use all the time.
--
--   ZL_PAUSE_MS=MEAN wrk ... -s console-poll.lua URL -- COOKIE-FILE
--
-- ZL_PAUSE_MS: each connection waits a random 0..2*MEAN ms after each
-- answer (1000: a dashboard's 5 requests every 5 s, spread out); 0 or
-- unset: as fast as it can (saturation).
local paths = {
	"/api/v1/status",
	"/api/v1/top?what=apps&from=-10m&limit=8",
	"/api/v1/top?what=categories&from=-10m&limit=8",
	"/api/v1/top?what=departments&from=-10m&limit=8",
}
-- ZL_NO_SERIES=1 leaves the 24-hour series out: zhulan-web and the
-- daemon's quick answers alone
if os.getenv("ZL_NO_SERIES") ~= "1" then
	table.insert(paths, 2, "/api/v1/series?from=-24h&step=300")
end
local cookies = {}
local n = 0
local pause = tonumber(os.getenv("ZL_PAUSE_MS") or "0") or 0
local nthreads = 0

function setup(thread)
	thread:set("tid", nthreads)
	nthreads = nthreads + 1
end

function init(args)
	for l in io.lines(args[1]) do
		if #l > 0 then cookies[#cookies + 1] = l end
	end
	n = tid * 100003
	math.randomseed(tid * 7919 + 1)
end

function request()
	n = n + 1
	local c = cookies[math.floor(n / #paths) % #cookies + 1]
	return wrk.format("GET", paths[n % #paths + 1],
		{ ["Cookie"] = "__Host-zl_session=" .. c, ["Accept"] = "application/json" })
end

-- only when pausing: with a delay function wrk sets a timer after every answer
if pause > 0 then
	function delay()
		return math.random(0, 2 * pause)
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT requests=%d seconds=%.1f rps=%.1f p50_ms=%.1f p90_ms=%.1f " ..
		"p99_ms=%.1f max_ms=%.1f connect=%d read=%d write=%d timeout=%d non2xx=%d\n",
		summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(90) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		e.connect, e.read, e.write, e.timeout, e.status))
end

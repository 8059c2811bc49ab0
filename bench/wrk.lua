-- wrk's script for `make bench` (bench/pages.py): with WRK_POSTS set, each request is a
-- POST taken in turn from that file (one "cookie<TAB>urlencoded body" a line, one line a
-- member), so the writes spread over many members; without it, wrk's own GET. At the
-- end, one line "WRK_JSON {...}" with the counts bench/pages.py reads.

local posts = {}
local file = os.getenv("WRK_POSTS")
if file and file ~= "" then
  for line in io.lines(file) do
    local cookie, body = line:match("^([^\t]*)\t(.*)$")
    if cookie then
      posts[#posts + 1] = { cookie = cookie, body = body }
    end
  end
end

local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

local sent = 0
if #posts > 0 then
  request = function()
    -- each thread starts at its own place in the list, then walks it
    local post = posts[((offset or 0) * 97 + sent) % #posts + 1]
    sent = sent + 1
    return wrk.format("POST", nil, {
      ["Host"] = wrk.headers["Host"],
      ["Cookie"] = post.cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, post.body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d, "p50_ms": %.3f, "p99_ms": %.3f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000
  ))
end

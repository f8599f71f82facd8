-- bench/registry/post_known.lua: POST /subjects/{s}/versions of schemas already
-- registered (the idempotent path), rotating over the lines of $SG_BENCH_BODIES:
-- "SUBJECT<TAB>JSON-BODY".
local reqs = {}
local n = 0
local i = 0
local headers = {["Content-Type"] = "application/vnd.schemaregistry.v1+json"}

function init(args)
	for line in io.lines(os.getenv("SG_BENCH_BODIES")) do
		local subject, body = line:match("^([^\t]+)\t(.*)$")
		n = n + 1
		reqs[n] = wrk.format("POST", "/subjects/" .. subject .. "/versions", headers, body)
	end
	i = math.random(n) - 1
end

function request()
	i = i % n + 1
	return reqs[i]
end

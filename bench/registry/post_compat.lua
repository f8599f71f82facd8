-- bench/registry/post_compat.lua: POST one body (the file $SG_BENCH_BODY) to
-- the path $SG_BENCH_PATH: a compatibility check against a whole history.
local req

function init(args)
	local f = assert(io.open(os.getenv("SG_BENCH_BODY"), "r"))
	local body = f:read("*a")
	f:close()
	req = wrk.format("POST", os.getenv("SG_BENCH_PATH"),
		{["Content-Type"] = "application/vnd.schemaregistry.v1+json"}, body)
end

function request()
	return req
end

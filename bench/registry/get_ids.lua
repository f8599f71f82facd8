-- bench/registry/get_ids.lua: GET /schemas/ids/{id}, rotating over the ids
-- listed one per line in the file named by $SG_BENCH_IDS.
local ids = {}
local n = 0
local i = 0

function init(args)
	for line in io.lines(os.getenv("SG_BENCH_IDS")) do
		n = n + 1
		ids[n] = line
	end
	i = math.random(n) - 1
end

function request()
	i = i % n + 1
	return wrk.format("GET", "/schemas/ids/" .. ids[i])
end

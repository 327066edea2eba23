-- wrk script: POST W1 with a page size drawn at random from 1 to 100 (W2: its three sizes
-- from 5-10, 5-10 and 3-5, a lighter query than W2's 10/10/5), so that concurrent requests ask
-- for the same page less often and share fewer statements (some still do: with 32 in flight,
-- a few draw the same size). $WORKLOAD is W1 or W2; $SCHEMA is citynet (the default) or peer,
-- PostGraphile's schema over the same tables (bench/peer/run), naming the same rows.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local workload = os.getenv("WORKLOAD") or "W1"
local schema = os.getenv("SCHEMA") or "citynet"
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

local templates = {
  citynet = {
    W1 = "{ cities(first: %d) { nodes { id name countryCode } } }",
    W2 = "{ networks(first: %d) { nodes { name members(first: %d) { nodes { name networks(first: %d) { nodes { name } } } } } } }",
  },
  peer = {
    W1 = "{ allPlaces(first: %d, orderBy: PRIMARY_KEY_ASC) { nodes { id name countryCode } } }",
    W2 = "{ allNetworks(first: %d, orderBy: PRIMARY_KEY_ASC) { nodes { name membershipsByNetworkId(first: %d, orderBy: PRIMARY_KEY_ASC) { nodes { placeByPlaceId { name membershipsByPlaceId(first: %d, orderBy: PRIMARY_KEY_ASC) { nodes { networkByNetworkId { name } } } } } } } } }",
  },
}
local template = assert(templates[schema] and templates[schema][workload], "unknown SCHEMA or WORKLOAD")

request = function()
  local query
  if workload == "W2" then
    query = string.format(template, math.random(5, 10), math.random(5, 10), math.random(3, 5))
  else
    query = string.format(template, math.random(1, 100))
  end
  return wrk.format(nil, nil, nil, '{"query":"' .. query .. '"}')
end

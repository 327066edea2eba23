-- wrk script: POST W1 with a page size drawn at random from 1 to 100 (W2: its three sizes
-- from 5-10, 5-10 and 3-5, a lighter query than W2's 10/10/5), so that concurrent requests ask
-- for the same page less often and share fewer statements (some still do: with 32 in flight,
-- a few draw the same size). $WORKLOAD is W1 or W2.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local workload = os.getenv("WORKLOAD") or "W1"
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

request = function()
  local query
  if workload == "W2" then
    query = string.format(
      "{ networks(first: %d) { nodes { name members(first: %d) { nodes { name networks(first: %d) { nodes { name } } } } } } }",
      math.random(5, 10), math.random(5, 10), math.random(3, 5))
  else
    query = string.format("{ cities(first: %d) { nodes { id name countryCode } } }", math.random(1, 100))
  end
  return wrk.format(nil, nil, nil, '{"query":"' .. query .. '"}')
end

#!lua
-- Claims an Idempotency-Key for one request in flight, or tells who holds it.
-- KEYS[1] the key; ARGV[1] the request's token, ARGV[2] the lease (ms).
-- Returns nil (claimed: the key now holds '0:<token>'), or the key's value: '1:<answer>' stored by an earlier
-- request, '0:<other token>' another request in flight. A stored answer is written again in place (same value, same
-- TTL): replicated after the request that stored it, it lets the receivers WAIT for the replicas to hold both.
local current = redis.call('GET', KEYS[1])
if current then
  if string.sub(current, 1, 2) == '1:' then
    -- rewritten as it is, so that a WAIT after this script covers the write that stored the answer
    redis.call('SET', KEYS[1], current, 'KEEPTTL')
  end
  return current
end
redis.call('SET', KEYS[1], '0:' .. ARGV[1], 'PX', ARGV[2])
return false

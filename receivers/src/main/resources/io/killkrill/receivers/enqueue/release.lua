#!lua
-- Gives up a claim that stored nothing (the request was refused), so a retry need not wait out the lease.
-- KEYS[1] the key; ARGV[1] the request's token. Deletes the key only while it is still this request's claim.
if redis.call('GET', KEYS[1]) == '0:' .. ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0

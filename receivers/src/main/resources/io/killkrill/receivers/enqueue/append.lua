#!lua
-- Stores the entries of one write (an HTTP request, a syslog read) all or nothing.
--
-- The shebang makes Redis refuse the whole script before it runs when it would refuse a write (OOM at
-- maxmemory, READONLY on a replica, MISCONF after a failed save), so a refusal stores none of the entries.
-- Nothing below can fail after the first XADD: stream key types are checked first.
--
-- KEYS[1]   the writer's marker hash of this round trip: field ARGV[1] is set when this write is stored, so a
--           writer that lost the reply (connection cut) can ask afterwards whether it happened
-- KEYS[2]   the Idempotency-Key's key (KEYS[1] again when the write has none)
-- KEYS[3..2+s] the s streams the entries go to, then the audit hashes (<stream>:audit:<minute>) they count in
-- ARGV[1] marker field, ARGV[2] marker TTL (ms),
-- ARGV[3] idempotency token ('' when none), ARGV[4] the answer to keep, ARGV[5] its TTL (ms),
-- ARGV[6] s, ARGV[7] the audit hashes' TTL (ms), ARGV[8] m, then m audit increments: the index of its hash in
-- KEYS, the service field, the count;
-- then per entry: the index of its stream in KEYS, its number of field/value pairs n, then the n pairs.
--
-- Returns {'ok'}, {'replay', answer} (the key already holds an answer: nothing stored),
-- {'busy'} (another request holds the key: nothing stored), {'wrongtype', key} (nothing stored).
local token = ARGV[3]
if token ~= '' then
  local current = redis.call('GET', KEYS[2])
  if current then
    if string.sub(current, 1, 2) == '1:' then
      -- as in claim.lua: rewritten in place, so that the round trip's WAIT covers the write that stored it
      redis.call('SET', KEYS[2], current, 'KEEPTTL')
      return {'replay', current}
    end
    if current ~= '0:' .. token then
      return {'busy'}
    end
  end
end
local streams = tonumber(ARGV[6])
for i = 3, #KEYS do
  local t = redis.call('TYPE', KEYS[i])['ok']
  local expected = i <= 2 + streams and 'stream' or 'hash'
  if t ~= expected and t ~= 'none' then
    return {'wrongtype', KEYS[i]}
  end
end
local increments = tonumber(ARGV[8])
local pos = 9 + 3 * increments
local last = #ARGV
while pos <= last do
  local stream = KEYS[tonumber(ARGV[pos])]
  local pairs = tonumber(ARGV[pos + 1])
  redis.call('XADD', stream, '*', unpack(ARGV, pos + 2, pos + 1 + 2 * pairs))
  pos = pos + 2 + 2 * pairs
end
for i = 0, increments - 1 do
  local at = 9 + 3 * i
  local key = KEYS[tonumber(ARGV[at])]
  redis.call('HINCRBY', key, ARGV[at + 1], ARGV[at + 2])
  redis.call('PEXPIRE', key, ARGV[7])
end
redis.call('HSET', KEYS[1], ARGV[1], '1')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if token ~= '' then
  redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5])
end
return {'ok'}

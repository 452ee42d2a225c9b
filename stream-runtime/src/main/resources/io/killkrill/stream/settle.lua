-- Settles one batch atomically: acknowledges the completed entries and, for each dead-lettered entry that is
-- still pending, writes its dead letter (XADD, trimmed to the dead-letter stream's bound) and acknowledges it.
-- An entry no longer pending was settled already (a retried settle whose first answer was lost, or a stale copy
-- another consumer settled): its dead letter is not written again, so a dead letter is never duplicated.
-- KEYS: stream, dead-letter stream
-- ARGV: group, dead-letter max length, number of completed IDs, the completed IDs...,
--       then per dead letter: entry ID, number of fields N, N field/value pairs
-- Returns {entries acknowledged, dead letters written, dead letters trimmed off the bound}
local stream, dlq = KEYS[1], KEYS[2]
local group, maxlen = ARGV[1], ARGV[2]
local last = 3 + tonumber(ARGV[3])
local acked, lettered, before = 0, 0, -1
local i = 4
while i <= last do
  local j = math.min(i + 499, last)
  acked = acked + redis.call('XACK', stream, group, unpack(ARGV, i, j))
  i = j + 1
end
while i <= #ARGV do
  local id, n = ARGV[i], tonumber(ARGV[i + 1])
  if #redis.call('XPENDING', stream, group, id, id, 1) > 0 then
    if before < 0 then before = redis.call('XLEN', dlq) end
    local add = {'XADD', dlq, 'MAXLEN', '~', maxlen, '*'}
    for k = i + 2, i + 1 + 2 * n do add[#add + 1] = ARGV[k] end
    redis.call(unpack(add))
    acked = acked + redis.call('XACK', stream, group, id)
    lettered = lettered + 1
  end
  i = i + 2 + 2 * n
end
local trimmed = 0
if lettered > 0 then trimmed = before + lettered - redis.call('XLEN', dlq) end
return {acked, lettered, trimmed}

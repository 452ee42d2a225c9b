-- The audit slots of stream entries, read inside Redis so that no entry (a dead letter or a pending entry can
-- be tens of MB) is ever sent to the auditor: per entry only its ID and its 'audit' field ('' when it has none).
-- KEYS: the stream
-- ARGV: 'range', start ID (exclusive), count  -> up to count entries after start
--       'ids', entry ID...                    -> those entries (a deleted one is left out)
-- Returns a flat list: ID, audit, ID, audit, ...
local function slot(fields)
  for k = 1, #fields, 2 do
    if fields[k] == 'audit' then return fields[k + 1] end
  end
  return ''
end
local out = {}
if ARGV[1] == 'range' then
  for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '(' .. ARGV[2], '+', 'COUNT', ARGV[3])) do
    out[#out + 1] = entry[1]
    out[#out + 1] = slot(entry[2])
  end
else
  for i = 2, #ARGV do
    local entry = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
    if #entry > 0 then
      out[#out + 1] = entry[1][1]
      out[#out + 1] = slot(entry[1][2])
    end
  end
end
return out

-- Dead-letters entries delivered KILLKRILL_MAX_DELIVERIES times, entirely inside Redis: the entry's fields are
-- copied into the dead letter here, so an entry too large for a worker's heap (one that killed it on every
-- delivery) is never loaded into a worker again. Checked again here, atomically: an entry that is no longer
-- pending, or has fewer deliveries, is left alone. An entry deleted from the stream is just acknowledged.
-- The dead letter has DeadLetterCodec's form: schema_version, reason, stage, the record as JSON in data, and
-- the entry's audit slot when it has one.
-- KEYS: stream, dead-letter stream
-- ARGV: group, dead-letter max length, max deliveries, schema version, service, stage, failed_at (RFC 3339),
--       the entry IDs...
-- Returns {entries acknowledged, dead letters written, dead letters trimmed off the bound}
local stream, dlq = KEYS[1], KEYS[2]
local group, maxlen, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local version, service, stage, failed_at = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local acked, lettered, before = 0, 0, -1
for i = 8, #ARGV do
  local id = ARGV[i]
  local pending = redis.call('XPENDING', stream, group, id, id, 1)
  if #pending > 0 and tonumber(pending[1][4]) >= limit then
    local deliveries = tonumber(pending[1][4])
    local entry = redis.call('XRANGE', stream, id, id)
    if #entry > 0 then
      local original, fields = {}, entry[1][2]
      for k = 1, #fields, 2 do original[fields[k]] = fields[k + 1] end
      local letter = {original = original, stream = stream, entry_id = id, stage = stage,
        reason = 'max_deliveries_exceeded', attempts = deliveries, service = service, failed_at = failed_at,
        message = 'delivered ' .. deliveries .. ' times (KILLKRILL_MAX_DELIVERIES=' .. limit
          .. ') without being settled; not handed to the sink again'}
      if before < 0 then before = redis.call('XLEN', dlq) end
      local add = {'XADD', dlq, 'MAXLEN', '~', maxlen, '*', 'schema_version', version,
        'reason', 'max_deliveries_exceeded', 'stage', stage, 'data', cjson.encode(letter)}
      if original['audit'] then -- as DeadLetterCodec.toEntry: the audit reads the slot without the data
        add[#add + 1] = 'audit'
        add[#add + 1] = original['audit']
      end
      redis.call(unpack(add))
      lettered = lettered + 1
    end
    acked = acked + redis.call('XACK', stream, group, id)
  end
end
local trimmed = 0
if lettered > 0 then trimmed = before + lettered - redis.call('XLEN', dlq) end
return {acked, lettered, trimmed}

-- reconcile: finds a job whose queue entry is gone (deleted by hand, trimmed,
-- lost with a Redis that came back without it) and puts it back in the
-- queue, or fails it when its attempts are used up. Run by workers over
-- the unfinished jobs, about once a visibility timeout.
--
-- KEYS[1] the job's hash   KEYS[2] the queue (stream)   KEYS[3] the owner's unfinished jobs (set)
-- KEYS[4] who works on what (hash)   KEYS[5] the owner's held jobs (list)   KEYS[6] the owner's turn (string)
-- ARGV[1] consumer group   ARGV[2] job id   ARGV[3] now (ms)   ARGV[4] visibility timeout (ms)
-- ARGV[5] TTL floor of finished records (ms)
-- ARGV[6] '1': also a running job whose entry is still there, once its worker has been silent for
--         the visibility timeout (the API asks so; no worker may be alive to take it over)
-- ARGV[7] the job key prefix (bolide:jobs:job:)
--
-- A queued job with no entry is held for its owner's turn (turns.lua), not lost: it is left
-- alone while another job of its owner holds the turn (put back in the held list if it fell
-- out of it), and given the turn if none does.
--
-- Returns {'ok'} (nothing to do) | {'requeued', new entry id} | {'failed'} | {'forgotten'} (no such job)
local job = redis.call('HMGET', KEYS[1], 'status', 'entry', 'attempts', 'max_attempts', 'worker',
  'heartbeat_at', 'owner', 'result_ttl_ms')
if not job[1] then
  redis.call('SREM', KEYS[3], ARGV[2])
  return {'forgotten'}
end
if job[1] ~= 'queued' and job[1] ~= 'running' then
  redis.call('SREM', KEYS[3], ARGV[2])
  return {'ok'}
end
if job[1] == 'queued' and not job[2] then
  local turn = redis.call('GET', KEYS[6])
  if turn ~= ARGV[2] and holds_turn(ARGV[7], turn) then
    if not redis.call('LPOS', KEYS[5], ARGV[2]) then
      redis.call('RPUSH', KEYS[5], ARGV[2])
    end
    return {'ok'}
  end
  redis.call('LREM', KEYS[5], 0, ARGV[2])
  local entry = redis.call('XADD', KEYS[2], '*', 'job', ARGV[2], 'owner', job[7] or '')
  redis.call('HSET', KEYS[1], 'entry', entry)
  redis.call('SET', KEYS[6], ARGV[2], 'KEEPTTL')
  return {'requeued', entry}
end
local in_stream = job[2] and #redis.call('XRANGE', KEYS[2], job[2], job[2]) > 0
local silent = job[1] == 'running' and tonumber(ARGV[3]) - (tonumber(job[6]) or 0) >= tonumber(ARGV[4])
if in_stream and not (silent and ARGV[6] == '1') then
  return {'ok'}
end
if job[1] == 'running' and not silent then
  -- Its worker is alive and will report; the missing entry does not matter.
  return {'ok'}
end
if job[2] then
  redis.call('XACK', KEYS[2], ARGV[1], job[2])
  redis.call('XDEL', KEYS[2], job[2])
end
if job[5] and redis.call('HGET', KEYS[4], job[5]) == ARGV[2] then
  redis.call('HDEL', KEYS[4], job[5])
end
local attempts = tonumber(job[3]) or 0
if attempts >= (tonumber(job[4]) or 1) then
  local reason
  if in_stream then
    -- The entry is there: its worker died (the API found it silent), as a
    -- worker's XAUTOCLAIM would have (start.lua says the same).
    reason = string.format('gave up after %d attempts: each time, the worker running it stopped ' ..
      'responding for longer than the visibility timeout (last: %s)', attempts, tostring(job[5]))
  else
    reason = string.format('its queue entry %s was lost (deleted or trimmed from the stream) ' ..
      'after %d attempts; not queued again', tostring(job[2]), attempts)
  end
  redis.call('HSET', KEYS[1], 'status', 'failed', 'error', reason, 'finished_at', ARGV[3])
  redis.call('HDEL', KEYS[1], 'heartbeat_at')
  redis.call('PEXPIRE', KEYS[1], math.max(tonumber(job[8]) or 0, tonumber(ARGV[5])))
  redis.call('SREM', KEYS[3], ARGV[2])
  return {'failed'}
end
local entry = redis.call('XADD', KEYS[2], '*', 'job', ARGV[2], 'owner', job[7] or '')
redis.call('HSET', KEYS[1], 'status', 'queued', 'progress', '0', 'entry', entry)
redis.call('HDEL', KEYS[1], 'started_at', 'heartbeat_at')
return {'requeued', entry}

-- start: a worker claims the job of a queue entry delivered to it
-- (by XREADGROUP, or by XAUTOCLAIM after its previous worker went silent).
--
-- KEYS[1] the job's hash                     KEYS[2] the queue (stream)
-- KEYS[3] the owner's unfinished jobs (set)  KEYS[4] who works on what (hash worker -> job)
-- KEYS[5] the owner's held jobs (list)       KEYS[6] the owner's turn (string)
-- ARGV[1] consumer group   ARGV[2] queue entry id   ARGV[3] worker id   ARGV[4] job id
-- ARGV[5] now (ms)         ARGV[6] visibility timeout (ms)             ARGV[7] TTL floor of finished records (ms)
-- ARGV[8] owner            ARGV[9] the job key prefix (bolide:jobs:job:)
--
-- Whatever it finds, a job that stops waiting passes its owner's turn on (turns.lua).
--
-- Returns
--   {'started', attempt, analysis, params, data_prefix}  running now under this worker, attempts + 1
--   {'busy', worker}         still running under a worker heard from within the visibility
--                            timeout: the entry stays pending (that worker's next heartbeat takes it back)
--   {'exhausted', attempts}  its workers died max_attempts times: now failed, with the reason
--   {'skipped', why}         nothing to run (gone, finished, cancelled, stale entry): entry acknowledged
local function drop_entry()
  redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
  redis.call('XDEL', KEYS[2], ARGV[2])
  pass_turn_if_free(KEYS[2], KEYS[5], KEYS[6], ARGV[8], ARGV[9])
end
local job = redis.call('HMGET', KEYS[1], 'status', 'entry', 'attempts', 'max_attempts', 'worker',
  'heartbeat_at', 'analysis', 'params', 'data_prefix', 'result_ttl_ms')
local status = job[1]
if not status then
  drop_entry()
  return {'skipped', 'the job no longer exists'}
end
if job[2] ~= ARGV[2] then
  drop_entry()
  return {'skipped', 'the entry is stale (the job was queued again under ' .. tostring(job[2]) .. ')'}
end
if status ~= 'queued' and status ~= 'running' then
  drop_entry()
  return {'skipped', 'the job is already ' .. status}
end
local now = tonumber(ARGV[5])
if status == 'running' and now - (tonumber(job[6]) or 0) < tonumber(ARGV[6]) then
  return {'busy', job[5] or ''}
end
local attempts = tonumber(job[3]) or 0
local max_attempts = tonumber(job[4]) or 1
if status == 'running' and job[5] and redis.call('HGET', KEYS[4], job[5]) == ARGV[4] then
  redis.call('HDEL', KEYS[4], job[5])
end
if attempts >= max_attempts then
  local reason = string.format('gave up after %d attempts: each time, the worker running it stopped ' ..
    'responding for longer than the visibility timeout (last: %s)', attempts, tostring(job[5]))
  redis.call('HSET', KEYS[1], 'status', 'failed', 'error', reason, 'finished_at', ARGV[5])
  redis.call('HDEL', KEYS[1], 'heartbeat_at')
  redis.call('PEXPIRE', KEYS[1], math.max(tonumber(job[10]) or 0, tonumber(ARGV[7])))
  redis.call('SREM', KEYS[3], ARGV[4])
  drop_entry()
  return {'exhausted', tostring(attempts)}
end
local attempt = string.format('%d', attempts + 1)
redis.call('HSET', KEYS[1], 'status', 'running', 'worker', ARGV[3], 'attempts', attempt,
  'started_at', ARGV[5], 'heartbeat_at', ARGV[5], 'progress', '0', 'visibility_ms', ARGV[6])
redis.call('HSET', KEYS[4], ARGV[3], ARGV[4])
pass_turn_if_free(KEYS[2], KEYS[5], KEYS[6], ARGV[8], ARGV[9])
return {'started', attempt, job[7] or '', job[8] or '', job[9] or ''}

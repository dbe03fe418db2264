-- cancel: the owner cancels a queued or running job. Its queue entry goes
-- at once; a running job's worker learns it at its next heartbeat and stops,
-- and its finish is refused from now on.
--
-- KEYS[1] the job's hash                     KEYS[2] the queue (stream)
-- KEYS[3] the owner's unfinished jobs (set)  KEYS[4] who works on what (hash)
-- KEYS[5] the owner's held jobs (list)       KEYS[6] the owner's turn (string)
-- ARGV[1] consumer group   ARGV[2] owner   ARGV[3] job id   ARGV[4] now (ms)
-- ARGV[5] TTL floor of finished records (ms)   ARGV[6] the job key prefix (bolide:jobs:job:)
--
-- A held job leaves its owner's held list; a waiting one passes the turn on (turns.lua).
--
-- Returns {'cancelled', previous status} | {'finished', status} (nothing changed) | {'not_found'}
local job = redis.call('HMGET', KEYS[1], 'status', 'owner', 'entry', 'worker', 'result_ttl_ms')
if not job[1] or job[2] ~= ARGV[2] then
  return {'not_found'}
end
if job[1] ~= 'queued' and job[1] ~= 'running' then
  return {'finished', job[1]}
end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finished_at', ARGV[4],
  'error', 'cancelled by its owner while ' .. job[1])
redis.call('HDEL', KEYS[1], 'heartbeat_at')
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(job[5]) or 0, tonumber(ARGV[5])))
if job[3] then
  redis.call('XACK', KEYS[2], ARGV[1], job[3])
  redis.call('XDEL', KEYS[2], job[3])
else
  redis.call('LREM', KEYS[5], 0, ARGV[3])
end
pass_turn_if_free(KEYS[2], KEYS[5], KEYS[6], ARGV[2], ARGV[6])
redis.call('SREM', KEYS[3], ARGV[3])
if job[4] and redis.call('HGET', KEYS[4], job[4]) == ARGV[3] then
  redis.call('HDEL', KEYS[4], job[4])
end
return {'cancelled', job[1]}

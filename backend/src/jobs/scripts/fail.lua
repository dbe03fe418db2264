-- fail: a worker marks a job failed with the reason, only if the job is
-- still running under this worker and attempt.
--
-- KEYS[1] the job's hash                     KEYS[2] the queue (stream)
-- KEYS[3] the owner's unfinished jobs (set)  KEYS[4] who works on what (hash)
-- ARGV[1] consumer group   ARGV[2] queue entry id   ARGV[3] worker id   ARGV[4] attempt
-- ARGV[5] now (ms)         ARGV[6] job id           ARGV[7] the reason
-- ARGV[8] TTL floor of finished records (ms)
--
-- Returns {'ok'} | {status} (not this worker's run: nothing changed)
local job = redis.call('HMGET', KEYS[1], 'status', 'worker', 'attempts', 'result_ttl_ms')
if job[1] == 'failed' and job[2] == ARGV[3] and job[3] == ARGV[4] then
  -- This run's own report, applied already (a retry after a reply timeout).
  return {'ok'}
end
if job[1] ~= 'running' or job[2] ~= ARGV[3] or job[3] ~= ARGV[4] then
  return {job[1] or 'gone'}
end
redis.call('HSET', KEYS[1], 'status', 'failed', 'error', ARGV[7], 'finished_at', ARGV[5])
redis.call('HDEL', KEYS[1], 'heartbeat_at')
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(job[4]) or 0, tonumber(ARGV[8])))
redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[2], ARGV[2])
redis.call('SREM', KEYS[3], ARGV[6])
if redis.call('HGET', KEYS[4], ARGV[3]) == ARGV[6] then
  redis.call('HDEL', KEYS[4], ARGV[3])
end
return {'ok'}

-- finish: a worker stores a job's result and marks it succeeded, only if the
-- job is still running under this worker and attempt: two workers never both
-- finish a job, and a cancelled job is never reported succeeded.
--
-- KEYS[1] the job's hash                     KEYS[2] its result (string)
-- KEYS[3] the queue (stream)                 KEYS[4] the owner's unfinished jobs (set)
-- KEYS[5] who works on what (hash)
-- ARGV[1] consumer group   ARGV[2] queue entry id   ARGV[3] worker id   ARGV[4] attempt
-- ARGV[5] now (ms)         ARGV[6] job id           ARGV[7] result (JSON)
-- ARGV[8] TTL floor of finished records (ms)
--
-- Returns {'ok', result expiry (ms since the epoch)} | {status} (not this worker's run: nothing stored)
local job = redis.call('HMGET', KEYS[1], 'status', 'worker', 'attempts', 'result_ttl_ms')
if job[1] == 'succeeded' and job[2] == ARGV[3] and job[3] == ARGV[4] then
  -- This run's own report, applied already (a retry after a reply timeout).
  return {'ok'}
end
if job[1] ~= 'running' or job[2] ~= ARGV[3] or job[3] ~= ARGV[4] then
  return {job[1] or 'gone'}
end
local ttl = tonumber(job[4]) or 86400000
local expires = string.format('%.0f', tonumber(ARGV[5]) + ttl)
redis.call('SET', KEYS[2], ARGV[7], 'PX', ttl)
redis.call('HSET', KEYS[1], 'status', 'succeeded', 'progress', '100', 'finished_at', ARGV[5],
  'result_expires_at', expires)
redis.call('HDEL', KEYS[1], 'heartbeat_at')
redis.call('PEXPIRE', KEYS[1], math.max(ttl, tonumber(ARGV[8])))
redis.call('XACK', KEYS[3], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[3], ARGV[2])
redis.call('SREM', KEYS[4], ARGV[6])
if redis.call('HGET', KEYS[5], ARGV[3]) == ARGV[6] then
  redis.call('HDEL', KEYS[5], ARGV[3])
end
return {'ok', expires}

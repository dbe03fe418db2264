-- heartbeat: a running job's worker reports progress and that it is alive.
-- Resets the entry's idle time (XCLAIM to itself, JUSTID) so no other worker
-- takes it over, and tells the worker to stop when the job was cancelled or
-- is no longer its own.
--
-- KEYS[1] the job's hash   KEYS[2] the queue (stream)   KEYS[3] live workers (sorted set)
-- ARGV[1] consumer group   ARGV[2] queue entry id       ARGV[3] worker id
-- ARGV[4] attempt          ARGV[5] now (ms)             ARGV[6] progress (0-99)
--
-- Returns {'ok'} | {'cancelled'} | {status} (not this worker's run any more: stop, report nothing)
local job = redis.call('HMGET', KEYS[1], 'status', 'worker', 'attempts')
if job[1] == 'cancelled' then
  return {'cancelled'}
end
if job[1] ~= 'running' or job[2] ~= ARGV[3] or job[3] ~= ARGV[4] then
  return {job[1] or 'gone'}
end
redis.call('HSET', KEYS[1], 'progress', ARGV[6], 'heartbeat_at', ARGV[5])
redis.call('XCLAIM', KEYS[2], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[3])
return {'ok'}

-- delete: the owner deletes a finished job, its result and its place in
-- the owner's list (also how the oldest finished jobs are dropped).
--
-- KEYS[1] the job's hash   KEYS[2] its result   KEYS[3] the owner's jobs (sorted set)
-- KEYS[4] the owner's unfinished jobs (set)
-- ARGV[1] owner            ARGV[2] job id
--
-- Returns {'deleted'} | {'unfinished', status} (nothing changed) | {'not_found'}
local job = redis.call('HMGET', KEYS[1], 'status', 'owner')
if not job[1] then
  -- Expired: forget it in the owner's list too.
  redis.call('ZREM', KEYS[3], ARGV[2])
  return {'not_found'}
end
if job[2] ~= ARGV[1] then
  return {'not_found'}
end
if job[1] == 'queued' or job[1] == 'running' then
  return {'unfinished', job[1]}
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('SREM', KEYS[4], ARGV[2])
return {'deleted'}

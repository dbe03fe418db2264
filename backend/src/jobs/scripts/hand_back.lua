-- hand_back: a worker shutting down (or cut off from Redis mid-run) returns
-- a job it started to the queue: status queued, and this run does not count
-- as an attempt; a new entry at the end of the stream if its owner has no
-- job waiting there, else first in the owner's held list (turns.lua). Only
-- if the job is still running under this worker and attempt.
--
-- KEYS[1] the job's hash   KEYS[2] the queue (stream)   KEYS[3] who works on what (hash)
-- KEYS[4] the owner's held jobs (list)                  KEYS[5] the owner's turn (string)
-- ARGV[1] consumer group   ARGV[2] queue entry id       ARGV[3] worker id
-- ARGV[4] attempt          ARGV[5] job id               ARGV[6] the job key prefix (bolide:jobs:job:)
--
-- Returns {'queued', new entry id, or '' while held} | {status} (not this worker's run: nothing changed)
local job = redis.call('HMGET', KEYS[1], 'status', 'worker', 'attempts', 'owner')
if job[1] ~= 'running' or job[2] ~= ARGV[3] or job[3] ~= ARGV[4] then
  return {job[1] or 'gone'}
end
redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[1], 'status', 'queued', 'progress', '0',
  'attempts', string.format('%d', math.max(0, tonumber(job[3]) - 1)))
redis.call('HDEL', KEYS[1], 'started_at', 'heartbeat_at', 'entry')
local entry = ''
if holds_turn(ARGV[6], redis.call('GET', KEYS[5])) then
  redis.call('LPUSH', KEYS[4], ARGV[5])
else
  entry = redis.call('XADD', KEYS[2], '*', 'job', ARGV[5], 'owner', job[4])
  redis.call('HSET', KEYS[1], 'entry', entry)
  redis.call('SET', KEYS[5], ARGV[5], 'KEEPTTL')
end
if redis.call('HGET', KEYS[3], ARGV[3]) == ARGV[5] then
  redis.call('HDEL', KEYS[3], ARGV[3])
end
return {'queued', entry}

-- submit: record a new job as queued and append it to the queue, as one step
-- (a job is never in the queue without its record, nor recorded but unqueued):
-- at the end of the stream if its owner has no job waiting there, else at
-- the end of the owner's held list, until its turn (turns.lua).
--
-- KEYS[1] the job's hash                       bolide:jobs:job:<id>
-- KEYS[2] the owner's jobs (sorted set)        bolide:jobs:owner:<owner>
-- KEYS[3] the owner's unfinished jobs (set)    bolide:jobs:active:<owner>
-- KEYS[4] the queue (stream)                   bolide:jobs:queue
-- KEYS[5] the submission's idempotency key     bolide:jobs:idem:<owner>:<key>, or '' (none)
-- KEYS[6] the owner's held jobs (list)         bolide:jobs:held:<owner>
-- KEYS[7] the owner's turn (string)            bolide:jobs:turn:<owner>
-- ARGV[1] job id           ARGV[2] owner             ARGV[3] analysis name
-- ARGV[4] params (JSON)    ARGV[5] data key prefix   ARGV[6] now (ms since the epoch)
-- ARGV[7] max attempts     ARGV[8] result TTL (ms)   ARGV[9] max unfinished jobs per owner (0: no limit)
-- ARGV[10] TTL of the owner's index sets (ms)  ARGV[11] the job key prefix (bolide:jobs:job:)
--
-- Returns {'queued', entry id, or '' while held} | {'exists'} (id taken: pick another) | {'busy', unfinished count}
--       | {'repeat', job id} (the idempotency key was used already: that job, nothing new)
--
-- The idempotency key maps to the job id for the result TTL: a client that
-- did not hear the answer (a timeout while Redis was stalled, say) sends the
-- same request with the same key and gets the first job, not a second one.
if KEYS[5] ~= '' then
  local first = redis.call('GET', KEYS[5])
  if first then
    return {'repeat', first}
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'exists'}
end
local limit = tonumber(ARGV[9])
local unfinished = redis.call('SCARD', KEYS[3])
if limit > 0 and unfinished >= limit then
  return {'busy', tostring(unfinished)}
end
redis.call('HSET', KEYS[1],
  'id', ARGV[1], 'owner', ARGV[2], 'analysis', ARGV[3], 'params', ARGV[4], 'data_prefix', ARGV[5],
  'status', 'queued', 'progress', '0', 'queued_at', ARGV[6], 'attempts', '0',
  'max_attempts', ARGV[7], 'result_ttl_ms', ARGV[8])
local entry = ''
if holds_turn(ARGV[11], redis.call('GET', KEYS[7])) then
  redis.call('RPUSH', KEYS[6], ARGV[1])
  redis.call('PEXPIRE', KEYS[6], ARGV[10])
else
  entry = redis.call('XADD', KEYS[4], '*', 'job', ARGV[1], 'owner', ARGV[2])
  redis.call('HSET', KEYS[1], 'entry', entry)
  redis.call('SET', KEYS[7], ARGV[1], 'PX', ARGV[10])
end
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[10])
redis.call('PEXPIRE', KEYS[3], ARGV[10])
if KEYS[5] ~= '' then
  redis.call('SET', KEYS[5], ARGV[1], 'PX', ARGV[8])
end
return {'queued', entry}

-- delete_idle_consumer: removes a worker's consumer from the group, only
-- while it holds no entry (XGROUP DELCONSUMER drops the consumer's pending
-- entries, which would lose their jobs' queue entries).
--
-- KEYS[1] the queue (stream)
-- ARGV[1] consumer group   ARGV[2] consumer (worker id)
--
-- Returns 1 if deleted, 0 if it holds entries (kept: XAUTOCLAIM takes them over)
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #pending > 0 then
  return 0
end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1

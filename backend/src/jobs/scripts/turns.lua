-- turns: fair queueing across owners. Not a script of its own: it is put
-- in front of the scripts that submit, start, cancel, hand back and
-- reconcile jobs (see transitions.rs), which call these two functions.
--
-- The queue stream holds at most one *waiting* entry per owner, the
-- owner's turn (bolide:jobs:turn:<owner> names that job). The owner's other
-- queued jobs wait in its held list (bolide:jobs:held:<owner>, oldest first)
-- with no entry, and enter the stream at its end one at a time, when the
-- job before them stops waiting (a worker starts it, its owner cancels it,
-- it is found gone). So the stream interleaves owners: a job waits behind
-- at most one waiting job of every other owner, however many they queued.
--
-- The job hashes these read are named from the job key prefix passed in
-- (bolide:jobs:job:), as the held list holds ids; the job keys are all in
-- Bolide's one system database, never on a cluster.

-- Whether job `id` still holds its owner's turn: queued, with an entry.
local function holds_turn(job_prefix, id)
  if not id then
    return false
  end
  local job = redis.call('HMGET', job_prefix .. id, 'status', 'entry')
  return job[1] == 'queued' and job[2] ~= false and job[2] ~= ''
end

-- Gives the owner's turn to its oldest held job still queued (a new entry
-- at the end of the stream), or ends the turn when none is held. Returns
-- the entry id, or false.
local function pass_turn(queue, held, turn, owner, job_prefix)
  local ttl = redis.call('PTTL', held)
  while true do
    local id = redis.call('LPOP', held)
    if not id then
      redis.call('DEL', turn)
      return false
    end
    local key = job_prefix .. id
    if redis.call('HGET', key, 'status') == 'queued' then
      local entry = redis.call('XADD', queue, '*', 'job', id, 'owner', owner)
      redis.call('HSET', key, 'entry', entry)
      if ttl > 0 then
        redis.call('SET', turn, id, 'PX', ttl)
      else
        redis.call('SET', turn, id)
      end
      return entry
    end
  end
end

-- Passes the owner's turn on unless a job still holds it (the one that
-- held it has just started, been cancelled, or gone).
local function pass_turn_if_free(queue, held, turn, owner, job_prefix)
  if not holds_turn(job_prefix, redis.call('GET', turn)) then
    return pass_turn(queue, held, turn, owner, job_prefix)
  end
  return false
end

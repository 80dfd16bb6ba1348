-- The fleet budget of one API key, in one atomic call timed by the store's clock (README,
-- "Sharing one key across processes").
--
-- KEYS[1] budget: hash {tat, day, used, exhausted}: the theoretical arrival time (GCRA) of the
--                 next free slot in microseconds, and the current UTC day's count
-- KEYS[2] clock:  an offset in microseconds added to TIME, set by tests of the day boundary
-- ARGV[1] the operation: take | hold | exhaust | status
-- ARGV[2] take: microseconds between two slots (0 = no rate); hold: microseconds to hold
-- ARGV[3] take: the daily quota (0 = none)
-- ARGV[4] take: the longest wait the callers accept, in microseconds
-- ARGV[5] take: how many slots the callers want, one after another
--
-- Returns {granted, wait, used, resets_at, exhausted, cut}: the first `granted` callers may send,
-- the i-th (from 0) after `wait + i * interval`; `cut` says why the others may not: 1 = their
-- slot is beyond the longest wait, 2 = the day's quota is spent. Times are microseconds;
-- resets_at is the next 00:00 UTC.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2]) + (tonumber(redis.call('GET', KEYS[2])) or 0)
local day_us = 86400000000
local today = math.floor(now / day_us)
local resets_at = (today + 1) * day_us

local b = redis.call('HMGET', KEYS[1], 'tat', 'day', 'used', 'exhausted')
local tat = tonumber(b[1]) or 0
local used, exhausted = 0, 0
if tonumber(b[2]) == today then
  used = tonumber(b[3]) or 0
  exhausted = tonumber(b[4]) or 0
end

-- Writes the hash back, kept until both the day (plus a minute) and the schedule have passed.
local function save()
  local ttl = math.max(resets_at - now + 60000000, tat - now + 1000000)
  redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', tat), 'day', today, 'used', used,
    'exhausted', exhausted)
  redis.call('PEXPIRE', KEYS[1], math.ceil(ttl / 1000))
end

local op = ARGV[1]
if op == 'take' then
  if exhausted == 1 then
    return {0, 0, used, resets_at, exhausted, 2}
  end
  local granted, cut = tonumber(ARGV[5]), 0
  local quota = tonumber(ARGV[3])
  if quota > 0 and used + granted > quota then
    granted, cut = math.max(quota - used, 0), 2
  end
  local interval, max_wait = tonumber(ARGV[2]), tonumber(ARGV[4])
  local slot = math.max(tat, now)
  local wait = slot - now
  local fit = 0
  if wait <= max_wait then
    fit = interval > 0 and math.floor((max_wait - wait) / interval) + 1 or granted
  end
  if fit < granted then
    granted, cut = fit, 1
  end
  if granted > 0 then
    if interval > 0 then
      tat = slot + granted * interval
    end
    used = used + granted
    save()
  end
  return {granted, wait, used, resets_at, exhausted, cut}
elseif op == 'hold' then
  tat = math.max(tat, now + tonumber(ARGV[2]))
  save()
elseif op == 'exhaust' then
  exhausted = 1
  save()
end
return {0, 0, used, resets_at, exhausted, 0}

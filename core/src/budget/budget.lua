-- The fleet budget of one API key, in one atomic call timed by the store's clock (README,
-- "Sharing one key across processes").
--
-- KEYS[1] rate:  the theoretical arrival time (GCRA) of the next free slot, in microseconds
-- KEYS[2] day:   hash {day, used, exhausted} of the current UTC day
-- KEYS[3] clock: an offset in microseconds added to TIME, set by tests of the day boundary
-- ARGV[1] the operation: take | hold | exhaust | status
-- ARGV[2] take: microseconds between two slots (0 = no rate); hold: microseconds to hold
-- ARGV[3] take: the daily quota (0 = none)
-- ARGV[4] take: the longest wait the caller accepts, in microseconds
--
-- Returns {outcome, wait, used, resets_at, exhausted}: outcome 0 = granted (sleep `wait`, then
-- send), 1 = the next slot is `wait` away, beyond the caller's limit, 2 = the day's quota is
-- spent. Times are microseconds; resets_at is the next 00:00 UTC.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2]) + (tonumber(redis.call('GET', KEYS[3])) or 0)
local day_us = 86400000000
local today = math.floor(now / day_us)
local resets_at = (today + 1) * day_us
-- Kept a minute past midnight, then the store forgets the day.
local day_ttl = math.ceil((resets_at - now) / 1000) + 60000

local d = redis.call('HMGET', KEYS[2], 'day', 'used', 'exhausted')
local used, exhausted = 0, 0
if tonumber(d[1]) == today then
  used = tonumber(d[2]) or 0
  exhausted = tonumber(d[3]) or 0
end

local function integer(x)
  return string.format('%.0f', x)
end

local op = ARGV[1]
if op == 'take' then
  local quota = tonumber(ARGV[3])
  if exhausted == 1 or (quota > 0 and used >= quota) then
    return {2, 0, used, resets_at, exhausted}
  end
  local interval = tonumber(ARGV[2])
  local slot = math.max(tonumber(redis.call('GET', KEYS[1])) or now, now)
  local wait = slot - now
  if wait > tonumber(ARGV[4]) then
    return {1, wait, used, resets_at, exhausted}
  end
  if interval > 0 then
    local next_slot = slot + interval
    redis.call('SET', KEYS[1], integer(next_slot), 'PX', math.ceil((next_slot - now) / 1000) + 1000)
  end
  used = used + 1
  redis.call('HSET', KEYS[2], 'day', today, 'used', used, 'exhausted', exhausted)
  redis.call('PEXPIRE', KEYS[2], day_ttl)
  return {0, wait, used, resets_at, exhausted}
elseif op == 'hold' then
  local held = now + tonumber(ARGV[2])
  local slot = math.max(tonumber(redis.call('GET', KEYS[1])) or held, held)
  redis.call('SET', KEYS[1], integer(slot), 'PX', math.ceil((slot - now) / 1000) + 1000)
elseif op == 'exhaust' then
  exhausted = 1
  redis.call('HSET', KEYS[2], 'day', today, 'used', used, 'exhausted', 1)
  redis.call('PEXPIRE', KEYS[2], day_ttl)
end
return {0, 0, used, resets_at, exhausted}

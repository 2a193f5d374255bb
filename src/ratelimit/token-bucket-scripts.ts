/**
 * The Lua that keeps one shared request budget in a Redis hash. Every operation is one script, so
 * reading the state, refilling, deciding and writing back is atomic across every process and host;
 * time comes from `redis.call('TIME')`, so only the Redis server's clock matters. Each operation is a Lua
 * function of the bucket's hash, so that one script can apply it to two buckets at once: an API that
 * limits each key and its organization has every request take from both (ACQUIRE_BOTH_SCRIPT,
 * OBSERVE_BOTH_SCRIPT), still one round trip.
 *
 * Hash fields (all times are Redis-clock epoch milliseconds):
 *   t      tokens in the bucket (fractional) as of `ts`
 *   ts     when `t` was computed; refill runs from here at the rate (tokens/ms), capped at the burst
 *   pause  nobody is granted a token before this (429 Retry-After, or the server's window is spent)
 *   probe  '1' when the server's answers left its allowance unknown (a 429, a window with no limit
 *          reported, a request counted in a window that should have ended): the bucket holds at most
 *          one token until an answer to a request sent since shows the allowance (so a fleet never
 *          bursts into a 429 when its mirror was wrong, or another tool spent the window already)
 *   seq    requests granted so far (the grant sequence handed to callers)
 *   pseq   `seq` when the last pause, probe or window started: grants above it were sent after it
 *   sr/sre the server's current window: the lowest `remaining` any answer in it reported, and its reset
 *   sl     the lowest `limit` any answer in that window reported: what the next window allows
 *   srp    '1' while the current window is the one after a window whose reset has passed, known only
 *          from that window's `sl` (sr = sl): no answer from it yet, and `sre` is where it began
 *   srs    `seq - fl`, kept for readers of the hash: the window allows `sr - (seq - srs)` more requests
 *   fl     grants in flight: granted, not answered yet, and younger than the in-flight expiry (ms)
 *   flo    the lowest grant that may still be in flight (every grant below it is answered or expired)
 *   f<n>   when grant n was made, while it is in flight
 *   lk     (an organization's hash, where keys are limited too) the key its requests used last
 *
 * The server's window allows `sr - fl` more requests. Every request the server counted before the
 * answer that reported `sr` is in `sr`, and so is every request answered in that window (an answer
 * with a higher remaining was counted earlier, a lower one would have become `sr`), so the only
 * requests `sr` may be missing are those still in flight. When `sr - fl` reaches 0 but `sr` is above
 * 0, nobody is granted a request until answers come back: either they bring `sr` to 0 (the window is
 * spent: everybody waits for `sre`), or they show that the server had counted some of them already.
 *
 * When the reset passes, the next window allows `sl`, the limit the headers reported: the fleet may send
 * that many at once (less those in flight) without waiting for an answer to tell it again. Only when
 * the evidence is missing or contradicts the mirror does one probe go first.
 *
 * The key expires once it is indistinguishable from a fresh one (full bucket, no pause, no window).
 */

/** How long a caller waits before asking again while the window's last requests are in flight. */
export const IN_FLIGHT_RECHECK_MS = 20;

/** Redis's clock, read once per script: every bucket a script changes sees the same moment. */
const CLOCK = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
`;

/**
 * The body every bucket operation starts with, inside a function of (key, rate, burst, in_flight_ms, now):
 * reads the hash, refills, expires grants in flight, rolls the mirrored window over, and defines the helpers
 * the operations share (`save` writes the state back).
 */
const STATE = `
rate = tonumber(rate)
burst = tonumber(burst)
in_flight_ms = tonumber(in_flight_ms)
local raw = redis.call('HMGET', key, 't', 'ts', 'pause', 'probe', 'seq', 'pseq', 'sr', 'sre', 'fl', 'flo', 'sl', 'srp')
local tokens = tonumber(raw[1])
local ts = tonumber(raw[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
local pause = tonumber(raw[3]) or 0
local probe = raw[4] == '1'
local seq = tonumber(raw[5]) or 0
local pseq = tonumber(raw[6]) or 0
local sr = tonumber(raw[7])
local sre = tonumber(raw[8]) or 0
local fl = tonumber(raw[9]) or 0
local flo = tonumber(raw[10]) or 1
local sl = tonumber(raw[11])
local srp = raw[12] == '1'

local function ceiling()
  if probe then return math.min(1, burst) end
  return burst
end

if now > ts then
  tokens = math.min(ceiling(), tokens + (now - ts) * rate)
  ts = now
end

-- Grants in flight for in_flight_ms without an answer (the request failed, or its caller gave up)
-- stop counting. Each grant is passed over once, so this costs O(1) per grant.
if fl <= 0 then
  fl = 0
  flo = seq + 1
end
while flo <= seq do
  local at = tonumber(redis.call('HGET', key, 'f' .. flo))
  if at ~= nil and now - at < in_flight_ms then break end
  if at ~= nil then
    redis.call('HDEL', key, 'f' .. flo)
    fl = math.max(0, fl - 1)
  end
  flo = flo + 1
end

-- The mirrored window's reset has passed. Unless a probe is due, the next window allows sl requests
-- (the limit the last one's answers reported) from its first moment, less the requests in flight
-- (until answers show where the server counted them). A window the fleet used up (its limit, not the
-- refill, held the fleet back) gives the tokens back at once; otherwise the refill keeps its pace.
if sr ~= nil and not srp and now >= sre and sl ~= nil and sl >= 1 and not probe then
  if sr - fl <= 0 then tokens = math.max(tokens, math.min(burst, sl)) end
  sr = sl
  srp = true
  pseq = seq
end

-- Requests the server's current window still allows, or nil when no current window is known.
local function window_left()
  if sr == nil or (now >= sre and not srp) then return nil end
  return sr - fl
end

-- The server's answers no longer tell its allowance: one probe token until an answer to a request
-- granted from now on shows it.
local function require_probe()
  if not probe then
    probe = true
    pseq = seq
  end
  tokens = math.min(tokens, 1, burst)
end

-- Nobody sends before until_ms. Then, when probing, one probe token and refill from there; otherwise
-- the next window's allowance (above).
local function start_pause(until_ms, probing)
  if probing then require_probe() end
  if until_ms > now and until_ms > pause then
    pause = until_ms
    ts = until_ms
    if probe then tokens = math.min(1, burst) else tokens = 0 end
    pseq = seq
  end
end

local function save()
  redis.call('HSET', key,
    't', string.format('%.6f', tokens),
    'ts', string.format('%.3f', ts),
    'pause', string.format('%.3f', pause),
    'probe', probe and '1' or '0',
    'seq', string.format('%d', seq),
    'pseq', string.format('%d', pseq),
    'fl', string.format('%d', fl),
    'flo', string.format('%d', flo),
    'srp', srp and '1' or '0')
  if sl ~= nil then
    redis.call('HSET', key, 'sl', string.format('%d', sl))
  else
    redis.call('HDEL', key, 'sl')
  end
  if sr ~= nil then
    -- srs is written for readers of the hash (diagnostics), so that sr - (seq - srs) = sr - fl.
    redis.call('HSET', key, 'sr', string.format('%d', sr), 'srs', string.format('%d', seq - fl), 'sre', string.format('%.3f', sre))
  end
  local busy_until = math.max(pause, ts, sre)
  local quiet = 0
  if busy_until > now then quiet = busy_until - now end
  redis.call('PEXPIRE', key, math.ceil(quiet + burst / rate + in_flight_ms + 60000))
end
`;

/**
 * acquire_bucket(key, rate (tokens/ms), burst, in-flight expiry ms, now, take): {granted (0/1), wait ms, seq}.
 * Takes a token when one is there and the server's window allows another request; otherwise says how
 * long to wait: exactly until the pause ends (the window's reset) or the next token, or, while the
 * requests in flight may have spent the window or a probe is out, `IN_FLIGHT_RECHECK_MS` at most
 * (their answers decide). With `take` false it only says whether it would grant (`seq` unchanged).
 */
const ACQUIRE_BUCKET = `
local function acquire_bucket(key, rate, burst, in_flight_ms, now, take)
${STATE}
if now < pause then
  save()
  return {0, math.ceil(pause - now), seq}
end
local left = window_left()
if left ~= nil and left <= 0 then
  if sr <= 0 then
    start_pause(sre, sl == nil or sl < 1)
    save()
    return {0, math.max(1, math.ceil(pause - now)), seq}
  end
  local recheck = ${IN_FLIGHT_RECHECK_MS}
  if not srp then recheck = math.max(1, math.min(recheck, math.ceil(sre - now))) end
  save()
  return {0, recheck, seq}
end
if tokens >= 1 then
  if not take then
    save()
    return {1, 0, seq}
  end
  tokens = tokens - 1
  seq = seq + 1
  fl = fl + 1
  redis.call('HSET', key, 'f' .. seq, string.format('%.3f', now))
  save()
  return {1, 0, seq}
end
save()
local wait = math.ceil((1 - tokens) / rate)
if probe and seq > pseq and redis.call('HEXISTS', key, 'f' .. seq) == 1 then
  -- The probe's answer may bring the whole allowance: be there when it does.
  wait = math.min(wait, ${IN_FLIGHT_RECHECK_MS})
end
return {0, wait, seq}
end
`;

/** ARGV: rate (tokens/ms), burst, in-flight expiry ms. Returns {granted (0/1), wait ms, seq}. */
export const ACQUIRE_SCRIPT = `${CLOCK}${ACQUIRE_BUCKET}
return acquire_bucket(KEYS[1], ARGV[1], ARGV[2], ARGV[3], now, true)
`;

/**
 * observe_bucket(key, rate, burst, in-flight expiry ms, now, HTTP status, remaining ('' = unknown), ms until the
 * server's reset ('' = unknown), grant sequence of the request ('' = unknown), how close two resets
 * must be to belong to the same server window (ms; absorbs clock differences between the hosts that
 * converted them), limit ('' = unknown). Returns {seq}.
 *
 * The answer takes its grant out of flight. With a reset, `remaining` lowers `sr` (the lowest reading
 * of the window) and `limit` lowers `sl`, or they start a new window; at 0 everybody waits for the
 * reset. Without one, the tokens drop to `remaining` less the requests in flight. A 429 makes the
 * next request a probe.
 */
const OBSERVE_BUCKET = `
local function observe_bucket(key, rate, burst, in_flight_ms, now, status, remaining, reset_delay, grant, same_window_ms, limit)
${STATE}
status = tonumber(status) or 0
remaining = tonumber(remaining)
reset_delay = tonumber(reset_delay)
grant = tonumber(grant)
same_window_ms = tonumber(same_window_ms) or 250
limit = tonumber(limit)
if grant ~= nil and redis.call('HDEL', key, 'f' .. grant) == 1 then fl = math.max(0, fl - 1) end
local fresh
if grant ~= nil then fresh = grant > pseq else fresh = now >= pause end
-- A refusal: the mirror said the request was allowed, so it does not know the server's allowance.
if status == 429 then require_probe() end

if remaining ~= nil then
  local reset = nil
  if reset_delay ~= nil then reset = now + reset_delay end
  local stale = false
  if reset ~= nil and sr ~= nil then
    if srp then
      -- From the window whose reset has passed (or an older one).
      stale = reset <= sre + same_window_ms
      if stale and grant ~= nil and grant > pseq then
        -- Sent after that reset, yet counted in that window: the reset was early by the server's clock.
        require_probe()
      end
    else
      stale = reset < sre - same_window_ms
    end
  end
  if not stale then
    -- With a known window, the requests in flight are counted against sr; without one, here.
    local allowance = remaining
    if reset == nil then allowance = remaining - fl end
    if probe and fresh and status ~= 429 and allowance > 0 and now >= pause then
      -- The first answer after a pause: the server shows the new window's allowance.
      tokens = math.min(burst, allowance)
      probe = false
    elseif allowance < tokens and now >= pause then
      -- Fewer left than the bucket holds: other spenders (or requests in flight) used them.
      tokens = math.max(0, allowance)
    end
    if reset ~= nil then
      if sr == nil or srp or reset > sre + same_window_ms then
        sr = remaining
        sre = reset
        sl = limit
        srp = false
      else
        if remaining < sr then sr = remaining end
        if limit ~= nil and (sl == nil or limit < sl) then sl = limit end
      end
      -- A window spent as its answers said needs no probe: the next one allows sl from its reset on.
      if sr <= 0 then start_pause(sre, status == 429 or sl == nil or sl < 1) end
    end
  end
elseif probe and fresh and status >= 200 and status < 300 and now >= pause then
  -- A server without rate headers: a success after the pause ends the probing.
  probe = false
end
save()
return {seq}
end
`;

/** ARGV: rate, burst, in-flight expiry ms, then observe_bucket's arguments from the HTTP status on. Returns {seq}. */
export const OBSERVE_SCRIPT = `${CLOCK}${OBSERVE_BUCKET}
return observe_bucket(KEYS[1], ARGV[1], ARGV[2], ARGV[3], now, ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
`;

/**
 * ARGV: rate, burst, in-flight expiry ms, delay ms. Nobody is granted a token for that long, then one
 * probe goes first. Returns {ms paused from now}.
 */
export const PAUSE_SCRIPT = `${CLOCK}
local function pause_bucket(key, rate, burst, in_flight_ms, now, delay)
${STATE}
start_pause(now + tonumber(delay), true)
save()
local left = pause - now
if left < 0 then left = 0 end
return {math.ceil(left)}
end
return pause_bucket(KEYS[1], ARGV[1], ARGV[2], ARGV[3], now, ARGV[4])
`;

/**
 * Two buckets every request takes from at once, for an API that limits each key and its organization:
 * KEYS[1] the organization's hash, KEYS[2] the key's (both under the prefix's hash tag, so one Cluster
 * slot). ARGV: the organization's rate and burst, the key's rate and burst, in-flight expiry ms, the key's
 * name (written to the organization's hash as `lk`, the key its requests used last, for readers).
 * Returns {granted (0/1), wait ms, organization's seq, key's seq}.
 *
 * Both are asked first without taking (each still starts a pause or rolls its window over as it would);
 * only when both would grant does each take its token, at the same `now`, so a request never holds one
 * bucket's token while the other refuses. Otherwise the wait is the longer of the two.
 */
export const ACQUIRE_BOTH_SCRIPT = `${CLOCK}${ACQUIRE_BUCKET}
local org_rate, org_burst, key_rate, key_burst, in_flight_ms = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local org = acquire_bucket(KEYS[1], org_rate, org_burst, in_flight_ms, now, false)
local own = acquire_bucket(KEYS[2], key_rate, key_burst, in_flight_ms, now, false)
if org[1] == 1 and own[1] == 1 then
  org = acquire_bucket(KEYS[1], org_rate, org_burst, in_flight_ms, now, true)
  own = acquire_bucket(KEYS[2], key_rate, key_burst, in_flight_ms, now, true)
  redis.call('HSET', KEYS[1], 'lk', ARGV[6])
  return {1, 0, org[3], own[3]}
end
return {0, math.max(org[2], own[2]), org[3], own[3]}
`;

/**
 * The answer to a request that took from both buckets (ACQUIRE_BOTH_SCRIPT's KEYS). ARGV: the
 * organization's rate and burst, the key's rate and burst, in-flight expiry ms, the HTTP status for the
 * key, remaining, ms until the reset, the key's grant, same-window ms, limit (as OBSERVE_SCRIPT), the
 * HTTP status for the organization, the organization's grant. Returns {organization's seq, key's seq}.
 *
 * The rate headers go to the key's bucket only; the organization's takes its grant out of flight, and a
 * success after its pause ends its probe.
 */
export const OBSERVE_BOTH_SCRIPT = `${CLOCK}${OBSERVE_BUCKET}
local own = observe_bucket(KEYS[2], ARGV[3], ARGV[4], ARGV[5], now, ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11])
local org = observe_bucket(KEYS[1], ARGV[1], ARGV[2], ARGV[5], now, ARGV[12], '', '', ARGV[13], ARGV[10], '')
return {org[1], own[1]}
`;

/**
 * The Lua that keeps one shared request budget in a Redis hash. Every operation is one script, so
 * reading the state, refilling, deciding and writing back is atomic across every process and host;
 * time comes from `redis.call('TIME')`, so only the Redis server's clock matters.
 *
 * Hash fields (all times are Redis-clock epoch milliseconds):
 *   t      tokens in the bucket (fractional) as of `ts`
 *   ts     when `t` was computed; refill runs from here at ARGV[1] tokens/ms, capped at the burst
 *   pause  nobody is granted a token before this (429 Retry-After, or the server's window is spent)
 *   probe  '1' after a pause: the bucket holds at most one token until an answer to a request sent
 *          after the pause shows the server's new allowance (so a fleet never bursts into a 429 when
 *          a reset was earlier than the server's, or another tool spent the new window already)
 *   seq    requests granted so far (the grant sequence handed to callers)
 *   pseq   `seq` when the last pause started: grants above it were sent after that pause
 *   sr/sre the server's current window: the lowest `remaining` any answer in it reported, and its reset
 *   srs    `seq - fl`, kept for readers of the hash: the window allows `sr - (seq - srs)` more requests
 *   fl     grants in flight: granted, not answered yet, and younger than ARGV[3] ms
 *   flo    the lowest grant that may still be in flight (every grant below it is answered or expired)
 *   f<n>   when grant n was made, while it is in flight
 *
 * The server's window allows `sr - fl` more requests. Every request the server counted before the
 * answer that reported `sr` is in `sr`, and so is every request answered in that window (an answer
 * with a higher remaining was counted earlier, a lower one would have become `sr`), so the only
 * requests `sr` may be missing are those still in flight. When `sr - fl` reaches 0 but `sr` is above
 * 0, nobody is granted a request until answers come back: either they bring `sr` to 0 (the window is
 * spent: everybody waits for `sre`), or they show that the server had counted some of them already.
 *
 * The key expires once it is indistinguishable from a fresh one (full bucket, no pause, no window).
 */

/** How long a caller waits before asking again while the window's last requests are in flight. */
export const IN_FLIGHT_RECHECK_MS = 20;

const PRELUDE = `
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local in_flight_ms = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local raw = redis.call('HMGET', key, 't', 'ts', 'pause', 'probe', 'seq', 'pseq', 'sr', 'sre', 'fl', 'flo')
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

-- Requests the server's current window still allows, or nil when no current window is known.
local function window_left()
  if sr == nil or now >= sre then return nil end
  return sr - fl
end

-- Nobody sends before until_ms; then one probe token, and refill from there.
local function start_pause(until_ms)
  if until_ms > now and until_ms > pause then
    pause = until_ms
    tokens = math.min(1, burst)
    ts = until_ms
    probe = true
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
    'flo', string.format('%d', flo))
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
 * ARGV: rate (tokens/ms), burst, in-flight expiry ms. Returns {granted (0/1), wait ms, seq}.
 * Takes a token when one is there and the server's window allows another request; otherwise says how
 * long to wait: exactly until the pause ends or the next token, or, while the requests in flight may
 * have spent the window, `IN_FLIGHT_RECHECK_MS` (their answers decide).
 */
export const ACQUIRE_SCRIPT = `${PRELUDE}
if now < pause then
  save()
  return {0, math.ceil(pause - now), seq}
end
local left = window_left()
if left ~= nil and left <= 0 then
  if sr <= 0 then
    start_pause(sre)
    save()
    return {0, math.max(1, math.ceil(pause - now)), seq}
  end
  save()
  return {0, math.max(1, math.min(${IN_FLIGHT_RECHECK_MS}, math.ceil(sre - now))), seq}
end
if tokens >= 1 then
  tokens = tokens - 1
  seq = seq + 1
  fl = fl + 1
  redis.call('HSET', key, 'f' .. seq, string.format('%.3f', now))
  save()
  return {1, 0, seq}
end
save()
return {0, math.ceil((1 - tokens) / rate), seq}
`;

/**
 * ARGV: rate, burst, in-flight expiry ms, HTTP status, remaining ('' = unknown), ms until the
 * server's reset ('' = unknown), grant sequence of the request ('' = unknown), how close two resets
 * must be to belong to the same server window (ms; absorbs clock differences between the hosts that
 * converted them). Returns {seq}.
 *
 * The answer takes its grant out of flight. With a reset, `remaining` lowers `sr` (the lowest reading
 * of the window), or starts a new window; at 0 everybody waits for the reset. Without one, the
 * tokens drop to `remaining` less the requests in flight.
 */
export const OBSERVE_SCRIPT = `${PRELUDE}
local status = tonumber(ARGV[4]) or 0
local remaining = tonumber(ARGV[5])
local reset_delay = tonumber(ARGV[6])
local grant = tonumber(ARGV[7])
local same_window_ms = tonumber(ARGV[8]) or 250
if grant ~= nil and redis.call('HDEL', key, 'f' .. grant) == 1 then fl = math.max(0, fl - 1) end
local fresh
if grant ~= nil then fresh = grant > pseq else fresh = now >= pause end

if remaining ~= nil then
  local reset = nil
  if reset_delay ~= nil then reset = now + reset_delay end
  local stale = reset ~= nil and sr ~= nil and reset < sre - same_window_ms
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
      if sr == nil or reset > sre + same_window_ms then
        sr = remaining
        sre = reset
      elseif remaining < sr then
        sr = remaining
      end
      if sr <= 0 then start_pause(sre) end
    end
  end
elseif probe and fresh and status >= 200 and status < 300 and now >= pause then
  -- A server without rate headers: a success after the pause ends the probing.
  probe = false
end
save()
return {seq}
`;

/** ARGV: rate, burst, in-flight expiry ms, delay ms. Nobody is granted a token for that long. Returns {ms paused from now}. */
export const PAUSE_SCRIPT = `${PRELUDE}
start_pause(now + tonumber(ARGV[4]))
save()
local left = pause - now
if left < 0 then left = 0 end
return {math.ceil(left)}
`;

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
 *   sr/srs/sre  the server's window as last reported: `sr` requests were left when `seq` was `srs`,
 *          until `sre`. Every grant since then spends one of them; at zero, everyone waits for `sre`.
 *
 * The key expires once it is indistinguishable from a fresh one (full bucket, no pause, no window).
 */

const PRELUDE = `
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local raw = redis.call('HMGET', key, 't', 'ts', 'pause', 'probe', 'seq', 'pseq', 'sr', 'srs', 'sre')
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
local srs = tonumber(raw[8]) or 0
local sre = tonumber(raw[9]) or 0

local function ceiling()
  if probe then return math.min(1, burst) end
  return burst
end

if now > ts then
  tokens = math.min(ceiling(), tokens + (now - ts) * rate)
  ts = now
end

-- Requests the server's current window still allows, or nil when no current window is known.
local function window_left()
  if sr == nil or now >= sre then return nil end
  return sr - (seq - srs)
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
    'pseq', string.format('%d', pseq))
  if sr ~= nil then
    redis.call('HSET', key, 'sr', string.format('%d', sr), 'srs', string.format('%d', srs), 'sre', string.format('%.3f', sre))
  end
  local busy_until = math.max(pause, ts, sre)
  local quiet = 0
  if busy_until > now then quiet = busy_until - now end
  redis.call('PEXPIRE', key, math.ceil(quiet + burst / rate + 60000))
end
`;

/**
 * ARGV: rate (tokens/ms), burst. Returns {granted (0/1), wait ms until a token can be had, seq}.
 * Takes a token when one is there; otherwise says exactly how long until one will be.
 */
export const ACQUIRE_SCRIPT = `${PRELUDE}
if now < pause then
  return {0, math.ceil(pause - now), seq}
end
local left = window_left()
if left ~= nil and left <= 0 then
  start_pause(sre)
  save()
  return {0, math.max(1, math.ceil(pause - now)), seq}
end
if tokens >= 1 then
  tokens = tokens - 1
  seq = seq + 1
  save()
  return {1, 0, seq}
end
return {0, math.ceil((1 - tokens) / rate), seq}
`;

/**
 * ARGV: rate, burst, HTTP status, remaining ('' = unknown), ms until the server's reset ('' = unknown),
 * grant sequence of the request ('' = unknown), how close two resets must be to belong to the same
 * server window (ms; absorbs clock differences between the hosts that converted them). Returns {seq}.
 *
 * `remaining` is what the server had left when it answered; grants made after this request's grant
 * were not counted in it yet, so the allowance left now is `remaining - (seq - grant)`.
 */
export const OBSERVE_SCRIPT = `${PRELUDE}
local status = tonumber(ARGV[3]) or 0
local remaining = tonumber(ARGV[4])
local reset_delay = tonumber(ARGV[5])
local grant = tonumber(ARGV[6])
local later = 0
if grant ~= nil and seq > grant then later = seq - grant end
local fresh
if grant ~= nil then fresh = grant > pseq else fresh = now >= pause end
local same_window_ms = tonumber(ARGV[7]) or 250

if remaining ~= nil then
  local left = remaining - later
  local reset = nil
  if reset_delay ~= nil then reset = now + reset_delay end
  local stale = reset ~= nil and sr ~= nil and reset < sre - same_window_ms
  if not stale then
    if probe and fresh and status ~= 429 and left > 0 and now >= pause then
      -- The first answer after a pause: the server shows the new window's allowance.
      tokens = math.min(burst, left)
      probe = false
    elseif left < tokens and now >= pause then
      -- Fewer left than the bucket holds: other spenders (or requests in flight) used them.
      tokens = left
    end
    if reset ~= nil then
      local current = window_left()
      if current == nil or reset > sre + same_window_ms then
        sr = left
        srs = seq
        sre = reset
      elseif left < current then
        sr = left
        srs = seq
      end
      if left <= 0 then start_pause(reset) end
    end
  end
elseif probe and fresh and status >= 200 and status < 300 and now >= pause then
  -- A server without rate headers: a success after the pause ends the probing.
  probe = false
end
save()
return {seq}
`;

/** ARGV: rate, burst, delay ms. Nobody is granted a token for that long. Returns {ms paused from now}. */
export const PAUSE_SCRIPT = `${PRELUDE}
start_pause(now + tonumber(ARGV[3]))
save()
local left = pause - now
if left < 0 then left = 0 end
return {math.ceil(left)}
`;

"""Lua scripts of the related-links index, run server-side so a batch costs one round trip each.

Keys are passed in ARGV, as in `ops.APPLY_SCRIPT` (newsfeed runs on one Redis, not a cluster).
"""

from __future__ import annotations

__all__ = ["CANDIDATES_SCRIPT", "LISTS_SCRIPT"]

# ARGV: limit, n_queries, then per query: exclude id, n_terms, (postings key, weight)*.
# Postings are scored by publication time, so the weighted union scores an id by
# published_s x (query weight of the terms it shares): the shared weight with a mild
# preference (a few percent a year) for recent articles. Returns the top ids per query.
CANDIDATES_SCRIPT = """
local tmp = KEYS[1]
local limit = tonumber(ARGV[1])
local i = 3
local out = {}
for q = 1, tonumber(ARGV[2]) do
  local exclude = ARGV[i]
  local n = tonumber(ARGV[i + 1])
  i = i + 2
  local ids = {}
  if n > 0 then
    local args = {'ZUNIONSTORE', tmp, n}
    for t = 0, n - 1 do args[#args + 1] = ARGV[i + 2 * t] end
    args[#args + 1] = 'WEIGHTS'
    for t = 0, n - 1 do args[#args + 1] = ARGV[i + 2 * t + 1] end
    redis.call(unpack(args))
    redis.call('ZREM', tmp, exclude)
    ids = redis.call('ZREVRANGE', tmp, 0, limit - 1)
    redis.call('DEL', tmp)
  end
  out[q] = ids
  i = i + 2 * n
end
return out
"""

# ARGV: keep, then per list: key, threshold ('-' for always), n_members, member*.
# Returns per list the flat (member, score) pairs, or false when the list is full, its
# lowest score is at least the threshold and it holds none of the members.
LISTS_SCRIPT = """
local keep = tonumber(ARGV[1])
local i = 2
local out = {}
while i <= #ARGV do
  local key, threshold, n = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local wanted = threshold == '-' or redis.call('ZCARD', key) < keep
  if not wanted then
    local low = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    wanted = #low == 0 or tonumber(low[2]) < tonumber(threshold)
  end
  for m = 1, n do
    if not wanted and redis.call('ZSCORE', key, ARGV[i + 2 + m]) then wanted = true end
  end
  out[#out + 1] = wanted and redis.call('ZRANGE', key, 0, -1, 'WITHSCORES') or false
  i = i + 3 + n
end
return out
"""

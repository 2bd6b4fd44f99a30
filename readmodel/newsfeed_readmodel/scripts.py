"""Every Lua script of newsfeed, in one place.

Scripts run atomically on the server: an append, a batch of read-model writes or a group
change either happens whole or not at all, and costs one round trip. Each is registered
once per client (EVALSHA; redis-py reloads a script Redis forgot) by the module that runs it.

| script                   | run by                          | does                                              |
| ------------------------ | ------------------------------- | ------------------------------------------------- |
| `APPEND`                 | `event_log.EventLog`            | dedupe each event id, XADD, remember the stream id |
| `APPLY`                  | `writer`, `related.index`       | check article versions, then run a batch of writes |
| `READ_RECORDS`           | `writer`, `reader`              | HMGET the same fields of many hashes               |
| `READ_FEED_PAGE`         | `reader`                        | a feed's version and one page of its members, together |
| `RELATED_CANDIDATES`     | `related.index`                 | weighted union of postings, top ids per query      |
| `RELATED_LISTS`          | `related.index`                 | related lists a new article may enter              |
| `DELETE_CONSUMER_IF_IDLE`| `groups`                        | XGROUP DELCONSUMER only if it holds nothing        |

Keys are passed in ARGV (newsfeed runs on one Redis node per site).
"""

from __future__ import annotations

from newsfeed_schemas.streams import DATA_FIELD, SUBJECT_FIELD, TYPE_FIELD

__all__ = [
    "APPEND",
    "APPLY",
    "DELETE_CONSUMER_IF_IDLE",
    "READ_FEED_PAGE",
    "READ_RECORDS",
    "RELATED_CANDIDATES",
    "RELATED_LISTS",
]

# ARGV: ttl seconds, MessagePack of [[dedupe key, data, type, subject]*] -> [[stream id, duplicate]*]
APPEND = f"""
local ttl = ARGV[1]
local replies = {{}}
for i, event in ipairs(cmsgpack.unpack(ARGV[2])) do
  local seen = redis.call('GET', event[1])
  if seen then
    replies[i] = {{seen, 1}}
  else
    local id = redis.call('XADD', KEYS[1], '*',
      '{DATA_FIELD}', event[2], '{TYPE_FIELD}', event[3], '{SUBJECT_FIELD}', event[4])
    redis.call('SET', event[1], id, 'EX', ttl)
    replies[i] = {{id, 0}}
  end
end
return replies
"""

# ARGV[1]: MessagePack of [[key, field, expected or false]*, [command, args...]*]
# A command `*ACKED stream group id command args...` acknowledges the entry and runs the
# command only if that acknowledged it now: a dead letter is written once, however many
# replicas (or rounds of one) reached the same conclusion about the entry.
APPLY = """
local batch = cmsgpack.unpack(ARGV[1])
for _, check in ipairs(batch[1]) do
  local current = redis.call('HGET', check[1], check[2])
  if current ~= check[3] then return 0 end
end
for _, op in ipairs(batch[2]) do
  if op[1] == '*ACKED' then
    if redis.call('XACK', op[2], op[3], op[4]) == 1 then redis.call(unpack(op, 5)) end
  else
    redis.call(unpack(op))
  end
end
return 1
"""

# KEYS: hashes; ARGV: n_fields, field* -> for each key, HMGET of the fields
READ_RECORDS = """
local n = tonumber(ARGV[1])
local fields = {}
for f = 1, n do fields[f] = ARGV[1 + f] end
local rows = {}
for k = 1, #KEYS do
  rows[k] = redis.call('HMGET', KEYS[k], unpack(fields))
end
return rows
"""

# ARGV: limit, n_queries, then per query: exclude id, n_terms, (postings key, weight)*.
# Postings are scored by publication time, so the weighted union scores an id by
# published_s x (query weight of the terms it shares): the shared weight with a mild
# preference (a few percent a year) for recent articles. Returns the top ids per query.
RELATED_CANDIDATES = """
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
RELATED_LISTS = """
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

# KEYS[1]: stream; ARGV: group, consumer -> 1 if deleted (it held nothing), else 0
DELETE_CONSUMER_IF_IDLE = """
local held = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #held > 0 then return 0 end
return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) + 1
"""

# KEYS[1]: feed zset, KEYS[2]: versions hash, KEYS[3]: cards hash;
# ARGV: max, min, count, version field, the version the client has ('' if none)
# -> {version} when the client has it (a 304), else {version, {member*}, {card*}}: one round
# trip, read together, so the version names exactly this page.
READ_FEED_PAGE = """
local version = redis.call('HGET', KEYS[2], ARGV[4]) or '0'
if version == ARGV[5] then return {version} end
local members = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local ids = {}
for i, member in ipairs(members) do ids[i] = string.sub(member, 17) end
local cards = {}
if #ids > 0 then cards = redis.call('HMGET', KEYS[3], unpack(ids)) end
return {version, members, cards}
"""

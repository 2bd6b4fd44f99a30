"""Every Lua script of newsfeed, in one place.

Scripts run atomically on the server: an append, a batch of read-model writes or a group
change either happens whole or not at all, and costs one round trip. Each is registered
once per client (EVALSHA; redis-py reloads a script Redis forgot) by the module that runs it.

| script                   | run by                          | does                                              |
| ------------------------ | ------------------------------- | ------------------------------------------------- |
| `APPEND`                 | `event_log.EventLog`            | dedupe each event id, XADD, remember id and content |
| `APPLY`                  | `writer`, `related.store`       | check article versions, then run a batch of writes |
| `READ_RECORDS`           | `writer`, `reader`              | HMGET the same fields of many hashes               |
| `READ_FEED_PAGE`         | `reader`                        | a feed's version and one page of its members, together |
| `TAKE_LEASE`, `RELEASE_LEASE` | `related.store`            | one related maintainer at a time (fenced writes)   |
| `READ_RELATED`           | `reader`                        | a related list, its cards, features, article state |
| `DELETE_CONSUMER_IF_IDLE`| `groups`                        | XGROUP DELCONSUMER only if it holds nothing        |

Every key a script touches is under the site's root `{prefix}` (`keys.py`): one hash slot, so on
a Redis Cluster the client routes each script to the node that holds the whole site. Scripts
declare their keys in KEYS; `APPLY` declares every key its batch collected on a cluster (on one
Redis only an anchor: see `batch.OpBatch.declared`), so a slot in migration refuses it before it
writes anything. `READ_RELATED` also reads the hashes of the listed articles, names it learns
inside the script (a read, in the same slot).
"""

from __future__ import annotations

from newsfeed_schemas.streams import DATA_FIELD, SUBJECT_FIELD, TYPE_FIELD

__all__ = [
    "APPEND",
    "APPLY",
    "DELETE_CONSUMER_IF_IDLE",
    "READ_FEED_PAGE",
    "READ_RECORDS",
    "READ_RELATED",
    "RELEASE_LEASE",
    "TAKE_LEASE",
]

# KEYS[1]: the stream, KEYS[1 + i]: event i's dedupe key;
# ARGV: ttl seconds, MessagePack of [[data, type, subject, content digest]*]
# -> [[stream id, 0 appended | 1 duplicate | 2 the id was accepted with other content]*]
# A dedupe key holds "stream id digest" (a key written before digests were kept: the id alone).
APPEND = f"""
local ttl = ARGV[1]
local replies = {{}}
for i, event in ipairs(cmsgpack.unpack(ARGV[2])) do
  local seen = redis.call('GET', KEYS[1 + i])
  if seen then
    local id, digest = string.match(seen, '^(%S+) ?(%S*)$')
    if digest ~= '' and digest ~= event[4] then replies[i] = {{id, 2}} else replies[i] = {{id, 1}} end
  else
    local id = redis.call('XADD', KEYS[1], '*',
      '{DATA_FIELD}', event[1], '{TYPE_FIELD}', event[2], '{SUBJECT_FIELD}', event[3])
    redis.call('SET', KEYS[1 + i], id .. ' ' .. event[4], 'EX', ttl)
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

# KEYS[1]: lease hash; ARGV: holder, ttl ms, mode ('0': take it if free or held, '1': take it
# whoever holds it, '2': renew only: a holder whose lease lapsed meanwhile does not get it back,
# since another may have led and written in between)
# -> 1 when `holder` holds the lease now (taken or renewed), else 0
TAKE_LEASE = """
local holder = redis.call('HGET', KEYS[1], 'holder')
if holder ~= ARGV[1] and (holder or ARGV[3] == '2') and ARGV[3] ~= '1' then return 0 end
redis.call('HSET', KEYS[1], 'holder', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""

# KEYS[1]: lease hash; ARGV: holder -> 1 if it held the lease (now released)
RELEASE_LEASE = """
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS[1]: related zset, KEYS[2]: versions hash, KEYS[3]: cards hash, KEYS[4]: the article's hash;
# ARGV: version field, the version the client has, limit, article key prefix
# -> {version} when the client has it, else {version, {id, -score}*, {card*}, {features*}, state}
# (the features of the article, then of each related article: reasons are derived from them;
# the article's state, so that one round trip also says whether it is live).
READ_RELATED = """
local version = redis.call('HGET', KEYS[2], ARGV[1]) or '0'
if version == ARGV[2] then return {version} end
local state = redis.call('HGET', KEYS[4], 'state') or false
local ranked = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1, 'WITHSCORES')
local ids = {}
for i = 1, #ranked, 2 do ids[#ids + 1] = ranked[i] end
local cards = {}
if #ids > 0 then cards = redis.call('HMGET', KEYS[3], unpack(ids)) end
local features = {redis.call('HGET', KEYS[4], 'features') or false}
for i, id in ipairs(ids) do features[i + 1] = redis.call('HGET', ARGV[4] .. id, 'features') or false end
return {version, ranked, cards, features, state}
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

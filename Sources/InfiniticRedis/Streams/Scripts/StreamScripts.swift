/// The Lua scripts of the Redis Streams transport. Each runs atomically; the keys of one call share a
/// partition's hash tag (lock and park keys are built inside the scripts from prefixes in that partition).
enum StreamScripts {
    /// Reads new entries of a **keyed** topic for one consumer, deciding for each, in stream order and
    /// atomically, whether it can run (its key is free: take the lock), joins the batch this read opened for
    /// its key (up to `max per key` entries), or must wait (park it).
    ///
    /// An entry that is not of this format (see `invalid` in `LuaPrelude`) goes to the dead letters before it
    /// takes a lock.
    ///
    /// KEYS: stream, dead-letter stream. ARGV: group, consumer, count, lock ttl ms, lock prefix, park prefix,
    /// parked consumer, state prefix ('' for no prefetch), prefetch spec (`whole|field|...`), max entries per key,
    /// shared (1/0), max payload bytes, max key bytes.
    /// Returns `{entries, last-delivered-id, woken}`; the id (set only when nothing was read) is where a blocking
    /// `XREAD` should wait from; woken is 1 when a wake marker was read (and acknowledged): the schedule changed.
    /// Entries of one key form one batch, oldest first (the first carries the state).
    static let readKeyed = RedisScript(
        name: "read-keyed",
        source: LuaPrelude.source + #"""
            local stream, dead = KEYS[1], KEYS[2]
            local group, consumer, count, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
            local lock_prefix, park_prefix, parked = ARGV[5], ARGV[6], ARGV[7]
            set_prefetch(ARGV[8], ARGV[9], consumer)
            local max_per_key = tonumber(ARGV[10]) or 1
            local shared = ARGV[11] == '1'
            set_limits(ARGV[12], ARGV[13])
            local reply = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>')
            local ready = {}
            local woken = false
            -- Keys whose lock this read took with nothing parked: how many entries their batch holds.
            local open = {}
            -- Entries to park, by park list, parked together after the loop (their key's lock is held meanwhile,
            -- so nothing in this read takes them before). A key with a list here was found locked in this read,
            -- and stays so until it ends (nothing here releases a lock).
            local parks = {}
            if reply and #reply > 0 and #reply[1][2] > 0 then
                for _, e in ipairs(reply[1][2]) do
                    local id, fields = e[1], e[2]
                    local key = field(fields, 'k')
                    local bad = not is_marker(fields) and invalid(fields)
                    if is_marker(fields) then
                        ack(stream, group, id, shared)
                        woken = true
                    elseif bad then
                        dead_letter(stream, dead, group, id, fields, 1, 'invalid entry: ' .. bad, shared)
                    elseif not key then
                        ready[#ready + 1] = entry(id, fields, total_deliveries(1, fields), false)
                    else
                        local lock, park = lock_prefix .. key, park_prefix .. key
                        if open[key] and open[key] < max_per_key then
                            open[key] = open[key] + 1
                            ready[#ready + 1] = entry(id, fields, total_deliveries(1, fields), false)
                        elseif parks[park] then
                            local waiting = parks[park]
                            waiting[#waiting + 1] = id
                        else
                            -- One EXISTS for both keys: a free key, the usual case, has neither.
                            local found = redis.call('EXISTS', lock, park)
                            if found > 0 and redis.call('EXISTS', lock) == 1 then
                                parks[park] = {id}
                            elseif found > 0 then
                                -- The key is free but older messages wait for it: the oldest go first.
                                park_entries(stream, group, parked, park, {id})
                                local head = take_head(stream, group, consumer, lock, park, ttl, max_per_key)
                                if head then
                                    for _, h in ipairs(head) do ready[#ready + 1] = h end
                                end
                            else
                                redis.call('SET', lock, consumer .. '/' .. id, 'PX', ttl)
                                open[key] = 1
                                ready[#ready + 1] = entry(id, fields, total_deliveries(1, fields), true)
                            end
                        end
                    end
                end
                -- The entries of the keys found locked, parked together: one call each per key.
                for park, ids in pairs(parks) do park_entries(stream, group, parked, park, ids) end
                return {ready, false, woken and 1 or 0}
            end
            for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
                for j = 1, #g, 2 do
                    if g[j] == 'name' and g[j + 1] ~= group then break end
                    if g[j] == 'last-delivered-id' then return {ready, g[j + 1], 0} end
                end
            end
            return {ready, '0-0', 0}
            """#)

    /// Recovers entries whose consumer went silent for longer than the visibility timeout, and dead-letters
    /// those delivered too often.
    ///
    /// Unkeyed topics use `XAUTOCLAIM`. Keyed topics scan the PEL (`XPENDING IDLE`) so that parked entries
    /// (owned by `parked`) are not mistaken for lost ones: a parked entry whose key has no holder any more is
    /// handed over instead (the holder died); a lost entry takes its key back if the lock still names it
    /// or is free, else it is parked behind the current holder. A lost entry that takes its key back brings back
    /// with it the rest of the batch its silent consumer read with it (the consumer's other pending entries of that
    /// key): a scan cut short by `count` would otherwise leave them behind, and the entries parked behind the batch
    /// would be handed the key before them.
    ///
    /// An entry that is not of this format (see `invalid` in `LuaPrelude`) goes to the dead letters, freeing its
    /// key if it held it (entries written before this check existed).
    ///
    /// KEYS: stream, dead-letter stream. ARGV: group, consumer, min idle ms, count, cursor, max deliveries,
    /// keyed (1/0), lock ttl ms, lock prefix, park prefix, parked consumer, shared (1/0), state prefix,
    /// prefetch spec, max entries per key (of a hand-over), max payload bytes, max key bytes.
    /// Returns `{entries, next cursor}` (cursor `0-0` when the scan wrapped around).
    static let reclaim = RedisScript(
        name: "reclaim",
        source: LuaPrelude.source + #"""
            local stream, dead = KEYS[1], KEYS[2]
            local group, consumer, min_idle, count, cursor = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
            local max_deliveries, keyed, ttl = tonumber(ARGV[6]), ARGV[7] == '1', tonumber(ARGV[8])
            local lock_prefix, park_prefix, parked, shared = ARGV[9], ARGV[10], ARGV[11], ARGV[12] == '1'
            set_prefetch(ARGV[13], ARGV[14], consumer)
            local max_per_key = tonumber(ARGV[15]) or 1
            set_limits(ARGV[16], ARGV[17])
            local ready = {}
            -- Entries given out in this call (with their key, or as the rest of a lost batch): skipped when the
            -- scan reaches them.
            local taken_back = {}
            local function append_all(head)
                if head then
                    for _, h in ipairs(head) do
                        ready[#ready + 1] = h
                        taken_back[h[1]] = true
                    end
                end
            end
            local reason = 'its consumer stopped renewing it (crashed or stalled) too many times'

            if not keyed then
                local r = redis.call('XAUTOCLAIM', stream, group, consumer, min_idle, cursor, 'COUNT', count)
                for _, e in ipairs(r[2]) do
                    local id, fields = e[1], e[2]
                    local bad = not is_marker(fields) and invalid(fields)
                    if is_marker(fields) then
                        ack(stream, group, id, shared)
                    elseif bad then
                        dead_letter(stream, dead, group, id, fields, pel_count(stream, group, id) or 1,
                                    'invalid entry: ' .. bad, shared)
                    else
                        local n = pel_count(stream, group, id) or 1
                        local total = total_deliveries(n, fields)
                        if total > max_deliveries then
                            dead_letter(stream, dead, group, id, fields, total - 1, reason, shared)
                        else
                            ready[#ready + 1] = entry(id, fields, total, false)
                        end
                    end
                end
                return {ready, r[1]}
            end

            -- A lost entry's deliveries counting this one (`n` in the PEL; the last of a parked entry was not one),
            -- or nil once it went to the dead letters: not of this format (`bad`), or delivered too often.
            local function deliverable(id, fields, n, was_parked, bad)
                local total = total_deliveries(n + 1, fields)
                if was_parked then total = total - 1 end
                if bad or total > max_deliveries then
                    dead_letter(stream, dead, group, id, fields, bad and n or total - 1,
                                bad and ('invalid entry: ' .. bad) or reason, shared)
                    return nil
                end
                return total
            end

            -- Whether `lock` is free or names entry `id`.
            local function free_or_names(lock, id)
                local holder = redis.call('GET', lock)
                return not holder or string.sub(holder, -(#id + 1)) == '/' .. id
            end

            -- Takes back the other pending entries of `key` that the silent `owner` holds after `id`: the rest of the
            -- batch it read with `id`. When `id` took its key back (`holding`), up to the batch size in all join its
            -- batch; otherwise (`id` was dead-lettered) the first of them takes the key. The others are parked in
            -- stream order, ahead of what arrived after them. Returns whether the key was taken.
            local function take_back_batch(owner, id, key, lock, park, holding)
                -- The batch came from one read: its rest lies within the owner's next pending entries (a read
                -- takes at most a batch size of entries, 100 by default).
                local ids = {}
                for _, p in ipairs(redis.call('XPENDING', stream, group, 'IDLE', min_idle, '(' .. id, '+', 1000, owner)) do
                    ids[#ids + 1] = p[1]
                end
                if #ids == 0 then return false end
                local fields, counts = fetch_pending(stream, group, owner, ids)
                local in_batch = holding and 1 or 0
                for _, other in ipairs(ids) do
                    local f = fields[other]
                    if not taken_back[other] and f and field(f, 'k') == key then
                        taken_back[other] = true
                        local n = counts[other] or 1
                        local total = deliverable(other, f, n, false, invalid(f))
                        if total and #redis.call('XCLAIM', stream, group, consumer, min_idle, other,
                                                 'RETRYCOUNT', n + 1, 'JUSTID') > 0 then
                            if in_batch == 0 then redis.call('SET', lock, consumer .. '/' .. other, 'PX', ttl) end
                            if in_batch < max_per_key then
                                in_batch = in_batch + 1
                                ready[#ready + 1] = entry(other, f, total, in_batch == 1)
                            else
                                park_in_order(stream, group, parked, park, other)
                            end
                        end
                    end
                end
                return in_batch > 0
            end

            local start = cursor == '0-0' and '-' or '(' .. cursor
            local pending = redis.call('XPENDING', stream, group, 'IDLE', min_idle, start, '+', count)
            local last = '0-0'
            for _, p in ipairs(pending) do
                local id, owner, n = p[1], p[2], tonumber(p[4])
                last = id
                local e = not taken_back[id] and redis.call('XRANGE', stream, id, id)
                if not e then
                    -- Taken back above with the entry its batch started with.
                elseif #e == 0 then
                    redis.call('XACK', stream, group, id)
                elseif is_marker(e[1][2]) then
                    ack(stream, group, id, shared)
                else
                    local fields = e[1][2]
                    local bad = invalid(fields)
                    local key = field(fields, 'k')
                    if bad and key and #key > max_key then key = nil end
                    local lock = key and (lock_prefix .. key)
                    local park = key and (park_prefix .. key)
                    if not bad and owner == parked and key and redis.call('LPOS', park, id) then
                        -- Still waiting for its key: renew it, and hand the key over if its holder vanished.
                        redis.call('XCLAIM', stream, group, parked, 0, id, 'JUSTID')
                        if redis.call('EXISTS', lock) == 0 then
                            append_all(take_head(stream, group, consumer, lock, park, ttl, max_per_key))
                        end
                    else
                        local total = deliverable(id, fields, n, owner == parked, bad)
                        if not total then
                            -- If the dead entry held the key: the rest of its batch takes it (its consumer went
                            -- silent), else the next parked entries, else nobody.
                            if key and free_or_names(lock, id) then
                                if owner == parked or not take_back_batch(owner, id, key, lock, park, false) then
                                    local head = take_head(stream, group, consumer, lock, park, ttl, max_per_key)
                                    if head then append_all(head) else redis.call('DEL', lock) end
                                end
                            end
                        else
                            local claimed
                            if owner == parked then
                                claimed = redis.call('XCLAIM', stream, group, consumer, 0, id, 'JUSTID')
                            else
                                -- JUSTID does not count a delivery: RETRYCOUNT counts this one.
                                claimed = redis.call('XCLAIM', stream, group, consumer, min_idle, id,
                                                     'RETRYCOUNT', n + 1, 'JUSTID')
                            end
                            if #claimed > 0 then
                                if not key then
                                    ready[#ready + 1] = entry(id, fields, total, false)
                                elseif free_or_names(lock, id) then
                                    redis.call('SET', lock, consumer .. '/' .. id, 'PX', ttl)
                                    ready[#ready + 1] = entry(id, fields, total, true)
                                    if owner ~= parked then take_back_batch(owner, id, key, lock, park, true) end
                                else
                                    park_in_order(stream, group, parked, park, id)
                                end
                            end
                        end
                    end
                end
            end
            if #pending < tonumber(count) then last = '0-0' end
            return {ready, last}
            """#)

    /// Renews what a live consumer holds: resets the idle time of its in-flight entries (so they are not
    /// reclaimed) and extends its key locks (taking back one that expired if nobody took it). Returns the ids
    /// another consumer owns now.
    ///
    /// KEYS: stream. ARGV: group, consumer, lock ttl ms, lock prefix, then pairs (entry id, key or '').
    static let renew = RedisScript(
        name: "renew",
        source: LuaPrelude.source + #"""
            local stream = KEYS[1]
            local group, consumer, ttl, lock_prefix = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
            local lost = {}
            for j = 5, #ARGV, 2 do
                local id, key = ARGV[j], ARGV[j + 1]
                local _, owner = pel_count(stream, group, id)
                if owner == consumer then
                    redis.call('XCLAIM', stream, group, consumer, 0, id, 'JUSTID')
                    if key ~= '' then
                        local lock, token = lock_prefix .. key, consumer .. '/' .. id
                        local holder = redis.call('GET', lock)
                        if holder == token then
                            redis.call('PEXPIRE', lock, ttl)
                        elseif not holder then
                            -- A late renewal (a stalled process) let the lock expire and nobody took the key
                            -- meanwhile: this live holder takes it back.
                            redis.call('SET', lock, token, 'PX', ttl)
                        end
                    end
                elseif owner then
                    -- Another consumer took it (this one stalled past the visibility timeout). An entry no
                    -- longer pending was acknowledged meanwhile: nothing to renew.
                    lost[#lost + 1] = id
                end
            end
            return lost
            """#)

    /// Moves due scheduled messages into their stream. Safe with several movers: each message is removed
    /// from the sorted set in the same atomic step that adds it to the stream.
    ///
    /// Scheduled data that does not unpack to a field list (written by someone else) goes to the dead letters.
    ///
    /// KEYS: scheduled set, scheduled data, stream, dead-letter stream. ARGV: max count.
    /// Returns `{moved, ms until the next due or -1}`.
    static let moveDue = RedisScript(
        name: "move-due",
        source: LuaPrelude.source + #"""
            local scheduled, data, stream, dead = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
            local now = now_ms(false)
            local due = redis.call('ZRANGE', scheduled, '-inf', now, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[1]))
            local function unpacked(packed)
                local ok, fields = pcall(cmsgpack.unpack, packed)
                if not ok or type(fields) ~= 'table' or #fields == 0 or #fields > 64 or #fields % 2 ~= 0 then
                    return nil
                end
                for _, v in ipairs(fields) do
                    if type(v) ~= 'string' then return nil end
                end
                return fields
            end
            for _, id in ipairs(due) do
                local packed = redis.call('HGET', data, id)
                local fields = packed and unpacked(packed)
                if fields then
                    redis.call('XADD', stream, '*', unpack(fields))
                elseif packed then
                    redis.call('XADD', dead, '*', 'reason', 'invalid scheduled entry: its data is not a field list',
                               'original-id', string.sub(id, 1, 256), 'dead-at', tostring(now))
                end
                redis.call('ZREM', scheduled, id)
                redis.call('HDEL', data, id)
            end
            local next = redis.call('ZRANGE', scheduled, 0, 0, 'WITHSCORES')
            if #next == 0 then return {#due, -1} end
            return {#due, math.max(0, tonumber(next[2]) - now)}
            """#)

    /// Trims a stream read by several groups below the oldest entry some group has not acknowledged.
    ///
    /// KEYS: stream. Returns the number of entries removed.
    static let trimAcknowledged = RedisScript(
        name: "trim-acknowledged",
        source: #"""
            local stream = KEYS[1]
            if redis.call('EXISTS', stream) == 0 then return 0 end
            local function parse(id)
                local dash = string.find(id, '-', 1, true)
                return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
            end
            local min_ms, min_seq = nil, nil
            local groups = redis.call('XINFO', 'GROUPS', stream)
            if #groups == 0 then return 0 end
            for _, g in ipairs(groups) do
                local name, pending, last
                for j = 1, #g, 2 do
                    if g[j] == 'name' then name = g[j + 1] end
                    if g[j] == 'pending' then pending = g[j + 1] end
                    if g[j] == 'last-delivered-id' then last = g[j + 1] end
                end
                local ms, seq
                if pending > 0 then
                    ms, seq = parse(redis.call('XPENDING', stream, name)[2])
                else
                    ms, seq = parse(last)
                    seq = seq + 1
                end
                if not min_ms or ms < min_ms or (ms == min_ms and seq < min_seq) then
                    min_ms, min_seq = ms, seq
                end
            end
            return redis.call('XTRIM', stream, 'MINID', string.format('%d-%d', min_ms, min_seq))
            """#)

    /// Applies a batch of commits, each atomically: version checks, then state writes, published and
    /// scheduled messages, the acknowledgement of the input entry and the release of its key lock (handing
    /// the key to the oldest parked entry). A commit whose check fails changes nothing.
    ///
    /// KEYS: the input stream, then every key the commits name (by index). ARGV: group, consumer, lock ttl
    /// ms, shared (1/0), commit count, state prefix of hand-overs ('' for none), prefetch spec, max entries per
    /// key of a hand-over, then per commit: entry count, entry ids (none to only publish; the first holds the
    /// key lock), lock key index, park key index (0 = none), check count, (key index, expected version)...,
    /// op count, ops. Ops:
    /// `X idx n fields...` XADD; `Y idx ttl n fields...` XADD then PEXPIRE; `M idx maxlen n fields...` XADD MAXLEN (~ from 1,000, = below); `Z idx data-idx stream-idx id a|d ms
    /// n fields...` schedule at an instant or after a delay (once per id; a wake marker to the stream when it
    /// becomes the soonest); `P idx value` put; `U idx replace n
    /// (field value)... m field...` set and remove fields (and `w`, the last writer, to the consumer: see
    /// `StatePrefetch.ownWrites`); `D idx` delete; `E idx ms` expire after ms (PEXPIRE);
    /// `S idx n members...` add to set;
    /// `R idx n members...` remove.
    /// Returns per commit `{1, handed-over entries or nil}` or `{0, conflicting key}`.
    static let commit = RedisScript(
        name: "commit",
        source: LuaPrelude.source + #"""
            local stream = KEYS[1]
            local group, consumer, ttl, shared = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1'
            set_prefetch(ARGV[6], ARGV[7], consumer)
            local max_per_key = tonumber(ARGV[8]) or 1
            local i = 9

            -- Versions read by the current commit's checks, so that a checked put needs no second read.
            local known = {}

            local function slice(n)
                local t = {}
                for j = 0, n - 1 do t[j + 1] = ARGV[i + j] end
                i = i + n
                return t
            end

            local function run_ops(count, apply)
                local now = nil
                for _ = 1, count do
                    local op, key = ARGV[i], KEYS[tonumber(ARGV[i + 1])]
                    i = i + 2
                    if op == 'X' or op == 'Y' then
                        local ttl = nil
                        if op == 'Y' then ttl = ARGV[i]; i = i + 1 end
                        local n = tonumber(ARGV[i]); i = i + 1
                        if apply then
                            redis.call('XADD', key, '*', unpack(ARGV, i, i + n - 1))
                            if ttl then redis.call('PEXPIRE', key, ttl) end
                        end
                        i = i + n
                    elseif op == 'M' then
                        local maxlen, n = ARGV[i], tonumber(ARGV[i + 1]); i = i + 2
                        -- Approximate trimming keeps whole macro nodes (100 entries): exact below 1,000.
                        local mode = (tonumber(maxlen) or 0) < 1000 and '=' or '~'
                        if apply then
                            redis.call('XADD', key, 'MAXLEN', mode, maxlen, '*', unpack(ARGV, i, i + n - 1))
                        end
                        i = i + n
                    elseif op == 'Z' then
                        local data, target = KEYS[tonumber(ARGV[i])], KEYS[tonumber(ARGV[i + 1])]
                        local id, mode, ms, n = ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5])
                        i = i + 6
                        local fields = slice(n)
                        -- A publication id already scheduled keeps its first time and fields.
                        if apply and redis.call('HSETNX', data, id, cmsgpack.pack(fields)) == 1 then
                            if mode == 'd' then
                                now = now or now_ms(true)
                                ms = now + ms
                            end
                            local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
                            redis.call('ZADD', key, ms, id)
                            -- The soonest due time moved earlier: wake the topic's idle consumers.
                            if #first == 0 or ms < tonumber(first[2]) then
                                redis.call('XADD', target, '*', 'w', '1')
                            end
                        end
                    elseif op == 'P' then
                        local value = ARGV[i]; i = i + 1
                        if apply then
                            local version = (known[key] or tonumber(redis.call('HGET', key, 'v') or '0')) + 1
                            known[key] = version
                            redis.call('DEL', key)
                            redis.call('HSET', key, 'v', version, 'd', value)
                        end
                    elseif op == 'U' then
                        local replace, n = ARGV[i] == '1', tonumber(ARGV[i + 1]); i = i + 2
                        local set = slice(n * 2)
                        local m = tonumber(ARGV[i]); i = i + 1
                        local removed = slice(m)
                        if apply then
                            local version = (known[key] or tonumber(redis.call('HGET', key, 'v') or '0')) + 1
                            known[key] = version
                            if replace then redis.call('DEL', key)
                            elseif m > 0 then call_chunked('HDEL', key, removed) end
                            call_chunked('HSET', key, set, {'v', version, 'w', consumer})
                        end
                    elseif op == 'D' then
                        if apply then
                            redis.call('DEL', key)
                            known[key] = 0
                        end
                    elseif op == 'E' then
                        local ms = ARGV[i]; i = i + 1
                        if apply then redis.call('PEXPIRE', key, ms) end
                    elseif op == 'S' or op == 'R' then
                        local n = tonumber(ARGV[i]); i = i + 1
                        local members = slice(n)
                        if apply and n > 0 then
                            call_chunked(op == 'S' and 'SADD' or 'SREM', key, members)
                        end
                    else
                        return redis.error_reply('ERR commit: unknown op ' .. tostring(op))
                    end
                end
            end

            local results = {}
            for c = 1, tonumber(ARGV[5]) do
                local n = tonumber(ARGV[i]); i = i + 1
                local ids = slice(n)
                local lock_index, park_index = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
                local checks = tonumber(ARGV[i + 2])
                i = i + 3
                local conflict = nil
                known = {}
                for _ = 1, checks do
                    local key, expected = KEYS[tonumber(ARGV[i])], tonumber(ARGV[i + 1])
                    i = i + 2
                    if not conflict then
                        local version = tonumber(redis.call('HGET', key, 'v') or '0')
                        if version ~= expected then conflict = key else known[key] = version end
                    end
                end
                local ops = tonumber(ARGV[i]); i = i + 1
                local failure = run_ops(ops, conflict == nil)
                if failure then return failure end
                if conflict then
                    results[c] = {0, conflict}
                else
                    local handed = false
                    if #ids > 0 then
                        redis.call('XACK', stream, group, unpack(ids))
                        if not shared then redis.call('XDEL', stream, unpack(ids)) end
                    end
                    if #ids > 0 and lock_index > 0 then
                        handed = release(stream, group, consumer, ids[1], KEYS[lock_index], KEYS[park_index], ttl,
                                         max_per_key) or false
                    end
                    results[c] = {1, handed}
                end
            end
            return results
            """#)

    /// Removes from a group the consumers idle for at least `min idle` with nothing pending (killed processes
    /// leave their consumer listed forever), atomically, so an entry read meanwhile is never dropped from the
    /// PEL. A removed consumer that is in fact alive is re-created by its next read.
    ///
    /// KEYS: stream. ARGV: group, min idle ms, consumers to keep... Returns the names removed.
    static let removeIdleConsumers = RedisScript(
        name: "remove-idle-consumers",
        source: #"""
            local stream, group, min_idle = KEYS[1], ARGV[1], tonumber(ARGV[2])
            local keep = {}
            for j = 3, #ARGV do keep[ARGV[j]] = true end
            local removed = {}
            for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', stream, group)) do
                local name, pending, idle
                for j = 1, #c, 2 do
                    if c[j] == 'name' then name = c[j + 1]
                    elseif c[j] == 'pending' then pending = c[j + 1]
                    elseif c[j] == 'idle' then idle = c[j + 1] end
                end
                if name and not keep[name] and pending == 0 and idle and idle >= min_idle then
                    redis.call('XGROUP', 'DELCONSUMER', stream, group, name)
                    removed[#removed + 1] = name
                end
            end
            return removed
            """#)

    static let all = [readKeyed, reclaim, renew, moveDue, trimAcknowledged, commit, removeIdleConsumers]
}

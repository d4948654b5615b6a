/// Lua functions shared by the stream scripts (prepended to each script's source).
///
/// Conventions: an *entry* returned to Swift is `{id, fields, deliveries[, version, state fields, complete]}`
/// where `fields` is the stream entry's flat field/value list, `deliveries` counts every delivery so far (PEL
/// count + field `a`, the deliveries before a delayed retry), and the last three are the prefetched state of
/// its key, if asked (only the first entry of a batch carries it). A key lock holds `<consumer>/<entry id>`; a park list holds the ids
/// of entries waiting for their key, oldest first, owned in the PEL by the pseudo-consumer `parked` (so no
/// live consumer renews them and the reclaim pass can tell them apart). Entries that are not of this format
/// (`invalid`) are dead-lettered with the reason where they are first read or reclaimed, before they take a lock.
enum LuaPrelude {
    static let source = #"""
        local function field(fields, name)
            for j = 1, #fields, 2 do
                if fields[j] == name then return fields[j + 1] end
            end
            return nil
        end

        -- Whether an entry is a wake marker: exactly one field, `w`.
        local function is_marker(fields)
            return #fields == 2 and fields[1] == 'w'
        end

        -- The largest payload and key an entry may carry (`RedisStreamsConfiguration.maxMessageBytes`,
        -- `maxKeyBytes`), set by the reading scripts from their arguments.
        local max_payload, max_key = 16777216, 4096
        local function set_limits(payload, key)
            max_payload = tonumber(payload) or max_payload
            max_key = tonumber(key) or max_key
        end

        -- Why an entry is not one this format writes, or nil: `p` present, `t` and `a` decimal integers, sizes
        -- within the limits, no other field, none twice. Checked before an entry takes a lock or counts as work.
        local function invalid(fields)
            local seen = {}
            for j = 1, #fields, 2 do
                local name, value = fields[j], fields[j + 1]
                if seen[name] then return "field '" .. string.sub(name, 1, 64) .. "' appears twice" end
                seen[name] = true
                if name == 'p' then
                    if #value > max_payload then
                        return 'payload of ' .. #value .. ' bytes, more than the limit of ' .. max_payload
                    end
                elseif name == 'k' then
                    if #value > max_key then
                        return 'key of ' .. #value .. ' bytes, more than the limit of ' .. max_key
                    end
                elseif name == 't' or name == 'a' then
                    if #value > 15 or not string.match(value, '^%d+$') then
                        return "field '" .. name .. "' is not a decimal integer: '" .. string.sub(value, 1, 32) .. "'"
                    end
                else
                    return "unknown field '" .. string.sub(name, 1, 64) .. "' (not an entry of this format version)"
                end
            end
            if not seen['p'] then return "no payload field 'p'" end
            return nil
        end

        -- Redis' clock in ms: rounded up to compute due times (never early), down to compare with them.
        local function now_ms(round_up)
            local t = redis.call('TIME')
            local ms = tonumber(t[2]) / 1000
            return tonumber(t[1]) * 1000 + (round_up and math.ceil(ms) or math.floor(ms))
        end

        -- The state prefetched with each entry: the Redis key prefix ('' for none), the fields always read, the
        -- field count up to which a value is read whole, and whether a value this consumer wrote last (field `w`)
        -- is read as its fields only (its reader keeps what it wrote). Set by the script from its prefetch arguments.
        local state_prefix = ''
        local state_fields = {}
        local state_whole = 0
        local state_own, state_consumer = false, ''

        -- Parses a prefetch spec '[*]whole|field|field...' (see `StatePrefetch`; `*`: fields only after an own write)
        -- for the reading consumer.
        local function set_prefetch(prefix, spec, consumer)
            state_prefix = prefix or ''
            state_fields = {}
            state_whole = 0
            state_own, state_consumer = false, consumer or ''
            if state_prefix == '' or not spec or spec == '' then return end
            local first = true
            for part in string.gmatch(spec, '[^|]+') do
                if first then
                    if string.sub(part, 1, 1) == '*' then state_own = true; part = string.sub(part, 2) end
                    state_whole = tonumber(part) or 0
                    first = false
                else state_fields[#state_fields + 1] = part end
            end
        end

        -- The prefetched state of a key: {version or false, {field, value, ...}, complete 1/0}. Fields `v` (the
        -- version) and `w` (the consumer that wrote it last) are not parts of the value.
        local function read_state(key)
            local k = state_prefix .. key
            -- `v`, `w` and the named fields; the named ones as a flat list of those present.
            local values
            local function named()
                local flat = {}
                for j = 1, #state_fields do
                    if values[j + 2] then flat[#flat + 1] = state_fields[j]; flat[#flat + 1] = values[j + 2] end
                end
                return flat
            end
            if state_own then
                values = redis.call('HMGET', k, 'v', 'w', unpack(state_fields))
                if not values[1] then return {false, {}, 1} end
                if values[2] == state_consumer then return {values[1], named(), 0} end
            end
            local n = redis.call('HLEN', k)
            if n == 0 then return {false, {}, 1} end
            -- `n` counts `v` and, for a value written by a commit, `w`: a value of `state_whole` fields has up to two
            -- more (read whole, then cut to the named fields if it had no `w` and one field too many).
            if n - 2 <= state_whole then
                local all = redis.call('HGETALL', k)
                local version, flat = false, {}
                for j = 1, #all, 2 do
                    local name = all[j]
                    if name == 'v' then version = all[j + 1]
                    elseif name ~= 'w' then flat[#flat + 1] = name; flat[#flat + 1] = all[j + 1] end
                end
                if #flat / 2 <= state_whole then return {version, flat, 1} end
                values = {version, false}
                for j = 1, #state_fields do values[j + 2] = field(flat, state_fields[j]) or false end
                return {version, named(), 0}
            end
            -- A large value: its named fields (read already when the hint was on).
            values = values or redis.call('HMGET', k, 'v', 'w', unpack(state_fields))
            return {values[1] or false, named(), 0}
        end

        -- An entry for Swift: {id, fields, deliveries} or, with `with_state` on a keyed entry when the
        -- subscription prefetches, {id, fields, deliveries, version or false, state fields, complete}.
        local function entry(id, fields, deliveries, with_state)
            if with_state and state_prefix ~= '' then
                local key = field(fields, 'k')
                if key then
                    local state = read_state(key)
                    return {id, fields, deliveries, state[1], state[2], state[3]}
                end
            end
            return {id, fields, deliveries}
        end

        local function pel_count(stream, group, id)
            local p = redis.call('XPENDING', stream, group, id, id, 1)
            if #p == 0 then return nil, nil end
            return tonumber(p[1][4]), p[1][2]
        end

        local function total_deliveries(count, fields)
            return count + (tonumber(field(fields, 'a') or '0') or 0)
        end

        local function ack(stream, group, id, shared)
            redis.call('XACK', stream, group, id)
            if not shared then redis.call('XDEL', stream, id) end
        end

        -- Whether stream id `a` comes before stream id `b`.
        local function id_before(a, b)
            local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
            local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
            if not ams or not bms then return a < b end
            if #ams ~= #bms then return #ams < #bms end
            if ams ~= bms then return ams < bms end
            return tonumber(aseq) < tonumber(bseq)
        end

        -- The fields and delivery counts of the pending entries `ids` of `consumer`: read over their span with one
        -- XRANGE and one XPENDING when few other entries lie between them (a key's parked entries usually follow
        -- each other), else one by one. An id missing from the fields has no entry any more.
        local function fetch_pending(stream, group, consumer, ids)
            local first, last = ids[1], ids[1]
            local wanted = {}
            for _, id in ipairs(ids) do
                wanted[id] = true
                if id_before(id, first) then first = id end
                if id_before(last, id) then last = id end
            end
            local budget = #ids * 2 + 16
            local fields, counts = {}, {}
            local range = redis.call('XRANGE', stream, first, last, 'COUNT', budget)
            for _, e in ipairs(range) do
                if wanted[e[1]] then fields[e[1]] = e[2] end
            end
            local pending = redis.call('XPENDING', stream, group, first, last, budget, consumer)
            for _, p in ipairs(pending) do
                if wanted[p[1]] then counts[p[1]] = tonumber(p[4]) end
            end
            -- A span cut by the budget: look up what it did not reach one by one.
            local cut_range, cut_pending = #range >= budget, #pending >= budget
            for _, id in ipairs(ids) do
                if cut_range and not fields[id] then
                    local e = redis.call('XRANGE', stream, id, id)
                    if #e > 0 then fields[id] = e[1][2] end
                end
                if cut_pending and fields[id] and not counts[id] then counts[id] = pel_count(stream, group, id) end
            end
            return fields, counts
        end

        -- XCLAIM ... JUSTID of several ids at once (a call in the middle of Lua arguments passes one value only,
        -- so the arguments are built as a table).
        local function claim_ids(stream, group, consumer, ids)
            local args = {'XCLAIM', stream, group, consumer, 0}
            for _, id in ipairs(ids) do args[#args + 1] = id end
            args[#args + 1] = 'JUSTID'
            return redis.call(unpack(args))
        end

        -- Gives the oldest parked entries of a key (up to `max`) to `consumer`, with the key's lock (naming the
        -- first). Parked ids whose entry is gone are dropped. Returns the entries (the first with the key's
        -- state), or nil when nothing waits. The ids are popped and claimed back a batch at a time.
        local function take_head(stream, group, consumer, lock, park, ttl, max)
            local taken = {}
            max = max or 1
            while #taken < max do
                local ids = redis.call('LPOP', park, max - #taken)
                if not ids then break end
                local claimed = claim_ids(stream, group, consumer, ids)
                if #claimed > 0 then
                    local fields, counts = fetch_pending(stream, group, consumer, claimed)
                    for _, id in ipairs(ids) do
                        local f = fields[id]
                        if f then
                            if #taken == 0 then redis.call('SET', lock, consumer .. '/' .. id, 'PX', ttl) end
                            taken[#taken + 1] = entry(id, f, total_deliveries(counts[id] or 1, f), #taken == 0)
                        end
                    end
                    -- Claimed, but the entry is gone: acknowledge it.
                    for _, id in ipairs(claimed) do
                        if not fields[id] then redis.call('XACK', stream, group, id) end
                    end
                end
            end
            if #taken == 0 then return nil end
            return taken
        end

        -- Releases a key lock held by `consumer` for entry `id`, handing the key to the oldest parked entries.
        local function release(stream, group, consumer, id, lock, park, ttl, max)
            if redis.call('GET', lock) ~= consumer .. '/' .. id then return nil end
            local head = take_head(stream, group, consumer, lock, park, ttl, max)
            if not head then redis.call('DEL', lock) end
            return head
        end

        -- HSET / HDEL / SADD / SREM with many arguments, in chunks of 1,000 (Lua's unpack has a limit); `first`,
        -- if given, leads the first call (HSET's version field). Chunks stay even, so name/value pairs stay whole.
        local function call_chunked(command, key, args, first)
            local chunk = first or {}
            for j = 1, #args do
                chunk[#chunk + 1] = args[j]
                if #chunk >= 1000 then
                    redis.call(command, key, unpack(chunk))
                    chunk = {}
                end
            end
            if #chunk > 0 then redis.call(command, key, unpack(chunk)) end
        end

        -- Parks entries of one key behind those already parked (`ids` in stream order): one RPUSH, one XCLAIM.
        local function park_entries(stream, group, parked, park, ids)
            redis.call('RPUSH', park, unpack(ids))
            claim_ids(stream, group, parked, ids)
        end

        -- Parks an older entry (one taken back from a silent consumer, whose batch may have had later entries
        -- parked meanwhile) at its place in stream order, so the key's messages still run oldest first.
        local function park_in_order(stream, group, parked, park, id)
            local waiting = redis.call('LRANGE', park, 0, -1)
            local placed = false
            for _, other in ipairs(waiting) do
                if id_before(id, other) then
                    redis.call('LINSERT', park, 'BEFORE', other, id)
                    placed = true
                    break
                end
            end
            if not placed then redis.call('RPUSH', park, id) end
            redis.call('XCLAIM', stream, group, parked, 0, id, 'JUSTID')
        end

        local function dead_letter(stream, dead, group, id, fields, deliveries, reason, shared)
            local entry = {}
            for j = 1, #fields, 2 do
                local name = fields[j]
                -- Values over the limits are not copied (the reason says their size).
                local limit = name == 'k' and max_key or max_payload
                if (name == 'k' or name == 'p' or name == 't') and #fields[j + 1] <= limit then
                    entry[#entry + 1] = name
                    entry[#entry + 1] = fields[j + 1]
                end
            end
            for _, v in ipairs({'reason', reason, 'group', group, 'original-id', id,
                                'deliveries', tostring(deliveries), 'dead-at', tostring(now_ms(false))}) do
                entry[#entry + 1] = v
            end
            redis.call('XADD', dead, '*', unpack(entry))
            ack(stream, group, id, shared)
        end

        """#
}

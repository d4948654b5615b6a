/// Lua functions shared by the stream scripts (prepended to each script's source).
///
/// Conventions: an *entry* returned to Swift is `{id, fields, deliveries[, version, data]}` where `fields` is
/// the stream entry's flat field/value list, `deliveries` counts every delivery so far (PEL count + field `a`,
/// the deliveries before a delayed retry), and version/data are the prefetched state of its key, if asked. A key lock holds `<consumer>/<entry id>`; a park list holds the ids
/// of entries waiting for their key, oldest first, owned in the PEL by the pseudo-consumer `parked` (so no
/// live consumer renews them and the reclaim pass can tell them apart).
enum LuaPrelude {
    static let source = #"""
        local function field(fields, name)
            for j = 1, #fields, 2 do
                if fields[j] == name then return fields[j + 1] end
            end
            return nil
        end

        -- Redis' clock in ms: rounded up to compute due times (never early), down to compare with them.
        local function now_ms(round_up)
            local t = redis.call('TIME')
            local ms = tonumber(t[2]) / 1000
            return tonumber(t[1]) * 1000 + (round_up and math.ceil(ms) or math.floor(ms))
        end

        -- The Redis key prefix of the state prefetched with each entry ('' for none); set by the script.
        local state_prefix = ''

        -- An entry for Swift, with the state of its key (version, data) when the subscription prefetches it.
        local function entry(id, fields, deliveries)
            if state_prefix ~= '' then
                local key = field(fields, 'k')
                if key then
                    local state = redis.call('HMGET', state_prefix .. key, 'v', 'd')
                    return {id, fields, deliveries, state[1], state[2]}
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
            return count + tonumber(field(fields, 'a') or '0')
        end

        local function ack(stream, group, id, shared)
            redis.call('XACK', stream, group, id)
            if not shared then redis.call('XDEL', stream, id) end
        end

        -- Gives the oldest parked entry of a key to `consumer`, with the key's lock. Parked ids whose entry
        -- is gone are dropped. Returns the entry, or nil when nothing waits.
        local function take_head(stream, group, consumer, lock, park, ttl)
            while true do
                local id = redis.call('LPOP', park)
                if not id then return nil end
                local claimed = redis.call('XCLAIM', stream, group, consumer, 0, id, 'JUSTID')
                if #claimed > 0 then
                    local e = redis.call('XRANGE', stream, id, id)
                    if #e > 0 then
                        redis.call('SET', lock, consumer .. '/' .. id, 'PX', ttl)
                        local count = pel_count(stream, group, id) or 1
                        return entry(id, e[1][2], total_deliveries(count, e[1][2]))
                    end
                    redis.call('XACK', stream, group, id)
                end
            end
        end

        -- Releases a key lock held by `consumer` for entry `id`, handing the key to the oldest parked entry.
        local function release(stream, group, consumer, id, lock, park, ttl)
            if redis.call('GET', lock) ~= consumer .. '/' .. id then return nil end
            local head = take_head(stream, group, consumer, lock, park, ttl)
            if not head then redis.call('DEL', lock) end
            return head
        end

        local function park_entry(stream, group, parked, park, id)
            redis.call('RPUSH', park, id)
            redis.call('XCLAIM', stream, group, parked, 0, id, 'JUSTID')
        end

        local function dead_letter(stream, dead, group, id, fields, deliveries, reason, shared)
            local entry = {}
            for j = 1, #fields, 2 do
                local name = fields[j]
                if name == 'k' or name == 'p' or name == 't' then
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

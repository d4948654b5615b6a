/// The binary-safe argv of a Redis command: its arguments encoded once into one buffer.
///
/// The low-level building block of the typed commands (`RedisRequest`), which encode themselves into it.
public struct RedisCommand: Sendable, Hashable {
    /// All arguments, concatenated.
    @usableFromInline var bytes: [UInt8]
    /// The length of each argument within `bytes`.
    @usableFromInline var lengths: [Int]

    public mutating func append(_ argument: String) {
        let before = bytes.count
        bytes.append(contentsOf: argument.utf8)
        lengths.append(bytes.count - before)
    }

    public mutating func append(_ argument: Int) {
        append(String(argument))
    }

    public mutating func append(_ argument: Double) {
        append(argument.isFinite ? String(argument) : (argument > 0 ? "+inf" : "-inf"))
    }

    public mutating func append(bytes argument: some Collection<UInt8>) {
        bytes.append(contentsOf: argument)
        lengths.append(argument.count)
    }

    public mutating func append(contentsOf arguments: [String]) {
        for argument in arguments { append(argument) }
    }

    /// Appends every argument of `list` (built with `RedisCommand.argumentList()`).
    public mutating func append(contentsOf list: RedisCommand) {
        bytes.append(contentsOf: list.bytes)
        lengths.append(contentsOf: list.lengths)
    }

    /// An empty list of arguments, to build a part of a command (e.g. a script's ARGV) before its head.
    public static func argumentList() -> RedisCommand {
        var list = RedisCommand(bytes: [], lengths: [])
        list.bytes.reserveCapacity(64)
        list.lengths.reserveCapacity(8)
        return list
    }

    private init(bytes: [UInt8], lengths: [Int]) {
        self.bytes = bytes
        self.lengths = lengths
    }

    /// The number of arguments, the name included.
    public var count: Int { lengths.count }

    /// The arguments, decoded into separate byte arrays (for inspection and tests; not used on hot paths).
    public var arguments: [[UInt8]] {
        var result: [[UInt8]] = []
        result.reserveCapacity(lengths.count)
        var offset = 0
        for length in lengths {
            result.append(Array(bytes[offset..<offset + length]))
            offset += length
        }
        return result
    }

    /// The command's name, upper-cased (`XADD`, `EVALSHA`, ...); empty for an empty argument list.
    public var name: String {
        guard let length = lengths.first else { return "" }
        return String(decoding: bytes[0..<length], as: UTF8.self).uppercased()
    }
}

extension RedisCommand: CustomStringConvertible {
    /// The command's name and argument count only: arguments may hold secrets or large payloads.
    public var description: String { "\(name) (\(count - 1) arguments)" }
}

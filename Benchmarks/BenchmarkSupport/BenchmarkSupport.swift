// What the benchmarks share: the redis-server they measure against, the raw hiredis baseline, Redis command
// counts and small statistics. Figures on shared machines are noisy: every benchmark measures its baseline
// in the same run and reports ratios.
import Foundation
import InfiniticJemalloc
import InfiniticRedis
import Logging
import Synchronization

/// Command-line options common to the benchmarks.
public struct BenchmarkOptions: Sendable {
    public var messages: Int
    public var rounds = 3
    public var appendOnly = true
    public var url: String?
    public var only: String?
    public var extra: [String: String] = [:]
    /// The `--name` switches (without a value) given among those listed in `flags`.
    public var flags: Set<String> = []

    /// Parses `--messages N --rounds N --no-aof --url U --only X`, any `--name value` listed in `extra` and any
    /// `--name` switch listed in `flags`.
    public init(defaultMessages: Int, extra names: [String] = [], flags switches: [String] = [], usage: String) {
        messages = defaultMessages
        var iterator = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--messages": messages = Int(iterator.next() ?? "") ?? messages
            case "--rounds": rounds = Int(iterator.next() ?? "") ?? rounds
            case "--no-aof": appendOnly = false
            case "--url": url = iterator.next()
            case "--only": only = iterator.next()
            case let name where names.contains(String(name.dropFirst(2))):
                extra[String(name.dropFirst(2))] = iterator.next()
            case let name where switches.contains(String(name.dropFirst(2))):
                flags.insert(String(name.dropFirst(2)))
            default:
                print("usage: \(usage)")
                exit(2)
            }
        }
    }
}

/// Quiet logs: benchmarks print their own results.
public func bootstrapQuietLogging() {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .error
        return handler
    }
}

/// The redis-server to measure against: `--url`, or a local one started now (AOF everysec unless `--no-aof`,
/// with `serverArguments` added to its command line).
public struct BenchmarkRedis: Sendable {
    public let url: String
    public let configuration: RedisConfiguration
    private let server: RedisServerProcess?

    /// Whether the benchmark started this server (and may reconfigure or rewrite it).
    public var isOwned: Bool { server != nil }

    public init(_ options: BenchmarkOptions, serverArguments: [String] = []) async throws {
        server =
            options.url == nil
            ? try await RedisServerProcess.start(appendOnly: options.appendOnly, extraArguments: serverArguments) : nil
        url = options.url ?? server!.url
        configuration = try RedisConfiguration(url: url)
    }

    public func stop() {
        server?.stopAndRemoveData()
    }
}

/// The physical limit of messaging through this Redis: one thread pipelining `XADD` by 100 while another
/// does `XREADGROUP COUNT 100` then one `XACK` and one `XDEL` per batch. Raw hiredis, no Swift concurrency,
/// no Lua. Returns messages/s.
public func rawHiredisLoop(_ count: Int, stream: String, redis: RedisConfiguration, payload: [UInt8]) throws -> Double {
    let setup = try RedisSyncConnection(configuration: redis)
    var prepare = RedisPipeline()
    let created = prepare.append(DEL([stream]))
    let group = prepare.append(XGROUP.CREATE(stream, group: "g", after: "0", makeStream: true))
    let prepared = try setup.send(prepare)
    _ = try prepared[created]
    try prepared[group]
    let done = DispatchSemaphore(value: 0)
    let failure = Mutex<String?>(nil)
    let start = ContinuousClock.now
    let producer = Thread {
        do {
            let connection = try RedisSyncConnection(configuration: redis)
            // The commands are built once: the loop measures Redis and hiredis, not argv encoding.
            let add = XADD(stream, fields: [RedisStreamEntry.Field("p", payload)])
            func pipeline(of size: Int) -> RedisPipeline {
                var pipeline = RedisPipeline()
                for _ in 0..<size { pipeline.append(add) }
                return pipeline
            }
            let full = pipeline(of: 100)
            var sent = 0
            while sent < count {
                let batch = min(100, count - sent)
                _ = try connection.send(batch == 100 ? full : pipeline(of: batch))
                sent += batch
            }
        } catch { failure.withLock { $0 = "\(error)" } }
        done.signal()
    }
    let consumer = Thread {
        do {
            let connection = try RedisSyncConnection(configuration: redis)
            var received = 0
            while received < count {
                let entries = try connection.send(
                    XREADGROUP(group: "g", consumer: "c", stream: stream, count: 100, block: .seconds(1)))
                guard !entries.isEmpty else { continue }
                let ids = entries.map(\.id)
                var pipeline = RedisPipeline()
                pipeline.append(XACK(stream, group: "g", ids: ids))
                pipeline.append(XDEL(stream, ids: ids))
                _ = try connection.send(pipeline)
                received += ids.count
            }
        } catch { failure.withLock { $0 = "\(error)" } }
        done.signal()
    }
    producer.start()
    consumer.start()
    done.wait()
    done.wait()
    _ = try? setup.send(DEL([stream]))
    if let message = failure.withLock({ $0 }) { throw RedisError(.connectionLost, message) }
    return Double(count) / seconds(start.duration(to: .now))
}

/// Calls per command since the last `CONFIG RESETSTAT` (from `INFO commandstats`, which counts the commands
/// scripts run too), most called first.
public func commandCalls(_ client: RedisClient) async throws -> [(String, Int)] {
    let info = try await client.send(INFO("commandstats"))
    return parseCommandCalls(info).filter { $0.key != "config|resetstat" }.map { ($0.key, $0.value) }
        .sorted { $0.1 > $1.1 }
}

/// Calls per command in the `cmdstat_` lines of an `INFO` reply, without `INFO` itself.
public func parseCommandCalls(_ info: String) -> [String: Int] {
    var calls: [String: Int] = [:]
    for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
        let name = line.dropFirst("cmdstat_".count).split(separator: ":")[0]
        if name != "info", let field = line.split(separator: ",").first(where: { $0.contains("calls=") }),
            let count = Int(field.split(separator: "=").last ?? "")
        {
            calls[String(name)] = count
        }
    }
    return calls
}

/// `name count/per` for each command.
public func describeCalls(_ calls: [(String, Int)], per count: Int) -> String {
    calls.map { String(format: "%@ %.3f", $0.0, Double($0.1) / Double(count)) }.joined(separator: ", ")
}

public func seconds(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) / 1e18
}

public func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// A counter shared by concurrent tasks.
public final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    public init() {}
    public func increment() { count.add(1, ordering: .relaxed) }
    public func add(_ amount: Int) { count.add(amount, ordering: .relaxed) }
    public var value: Int { count.load(ordering: .relaxed) }
}

/// The allocator serving the benchmark's `malloc` (jemalloc, linked through `InfiniticJemalloc` as the worker
/// executables link it; `LD_PRELOAD` another to compare), for the header of a report.
public var allocatorDescription: String { Jemalloc.description }
